// `tessera demo` as a newcomer sees it: the command builds the page when needed, starts the
// relay, a test sshd and the simulated card; in Chromium (no WebUSB shim: the demo's own virtual
// reader wiring) the card signs in with its PIN, and pulling the card out ends the session.
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireExecutable, startPeer, type Peer } from '../support/index.ts';
import { CHROMIUM, CHROMIUM_ARGS, screenshot, statusText, typeCommand, waitForTerminal } from './harness.ts';

describe('tessera demo', () => {
  let demo: Peer;
  let url: string;
  beforeAll(async () => {
    requireExecutable(CHROMIUM, 'Debian chromium');
    demo = startPeer(process.execPath, ['cli/tessera.js', 'demo', '--port', '0'], { env: { ...process.env, NODE_ENV: 'production' } });
    url = (await demo.waitForOutput(/Tessera demo is running: (http:\/\/\S+)/, 150_000))[1]!;
  }, 180_000);
  afterAll(async () => { await demo?.stop(); });

  it('signs in with the simulated card and ends the session when the card is pulled out', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
      await page.goto(url);
      await page.waitForSelector('body[data-ready="true"]');
      await page.click('#connect-reader');
      await expect.poll(() => page.getAttribute('#card-panel', 'data-state'), { timeout: 20_000 }).toBe('ready');
      expect(await page.textContent('#card-keys')).toContain('CN=Demo User');
      expect(await page.inputValue('#auth-method')).toBe('card');
      await page.click('#connect-button');
      await page.locator('#pin-dialog').waitFor({ state: 'visible' });
      await page.fill('#pin-input', '123456');
      await page.click('#pin-ok');
      await page.locator('#host-key-dialog').waitFor({ state: 'visible' });
      await page.click('#hk-once');
      await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to/);
      await typeCommand(page, 'echo demo-$((2*21))');
      await waitForTerminal(page, /^demo-42\s*$/m);
      await screenshot(page, '11-demo-session');
      await page.click('text=Pull card out (demo)');
      await expect.poll(() => statusText(page), { timeout: 15_000 }).toMatch(/^Closed: The card was removed/);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
