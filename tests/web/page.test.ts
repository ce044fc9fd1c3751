// The page in Debian's Chromium, served by the real relay: it boots under the strict CSP, shows
// its UI, and passes an axe-core accessibility check with no serious or critical violations.
import AxeBuilder from '@axe-core/playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, screenshot, startWebStack, statusText, type WebStack } from './harness.ts';

describe('the Tessera page', () => {
  let stack: WebStack;
  beforeAll(async () => { stack = await startWebStack({ config: { mode: 'personal' } }); }, 180_000);
  afterAll(async () => { await stack?.stop(); });

  it('boots with no console errors or CSP violations and shows the idle state', async () => {
    const { context, page } = await stack.newPage();
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    await openApp(page, stack.baseUrl);
    expect(await statusText(page)).toBe('Not connected');
    expect(await page.locator('#terminal .xterm').count()).toBe(1);
    expect(await page.title()).toMatch(/Tessera/);
    await screenshot(page, '01-idle');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('has no serious or critical accessibility violations (axe-core)', async () => {
    const { context, page } = await stack.newPage();
    await openApp(page, stack.baseUrl);
    const results = await new AxeBuilder({ page }).exclude('.xterm-helper-textarea').analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
    await context.close();
  }, 60_000);

  it('reloads offline from the service worker’s app shell', async () => {
    const { context, page } = await stack.newPage();
    await openApp(page, stack.baseUrl);
    await page.evaluate(async () => { await navigator.serviceWorker.ready; });
    // The first load is not controlled yet; the next navigation is (clients.claim on activate).
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    await context.setOffline(true);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.locator('#terminal .xterm').count()).toBe(1);
    expect(await page.textContent('#connect-title')).toBe('Connect');
    await screenshot(page, '10-offline-shell');
    await context.close();
  }, 60_000);

  it('keeps the page as its offline shell, not whatever same-origin URL was last navigated to', async () => {
    const { context, page } = await stack.newPage();
    await openApp(page, stack.baseUrl);
    await page.evaluate(async () => { await navigator.serviceWorker.ready; });
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    // Any site can send the browser to these (a link); the service worker answers the navigation.
    await page.goto(`${stack.baseUrl}/healthz`);
    await page.goto(`${stack.baseUrl}/config.json`);
    await context.setOffline(true);
    await page.goto(stack.baseUrl);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.textContent('#connect-title')).toBe('Connect');
    await context.close();
  }, 60_000);

  it('validates the form before connecting and names the problem', async () => {
    const { context, page } = await stack.newPage();
    await openApp(page, stack.baseUrl);
    await page.fill('#host', '');
    await page.click('#connect-button');
    await expect.poll(() => page.textContent('#form-error')).toMatch(/host name or address/);
    await page.fill('#host', 'example.com');
    await page.fill('#user', 'alice');
    await page.fill('#port', '70000');
    await page.click('#connect-button');
    await expect.poll(() => page.textContent('#form-error')).toMatch(/port must be a number from 1 to 65535/);
    await context.close();
  });
});
