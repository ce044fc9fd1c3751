// An IPv6 literal typed as people write it in URLs and ssh configs, in brackets ([::1]): the page's target
// is the address itself, as the site's allowedHosts and known_hosts name it; before, "[::1]" was compared
// as a name ("This site only allows connections to: ::1.") and looked up in known_hosts as "[[::1]]:2222".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, startWebStack, terminalText, type WebStack } from './harness.ts';

describe('IPv6 literal targets', () => {
  let stack: WebStack;
  beforeAll(async () => { stack = await startWebStack({ config: { mode: 'personal', allowedHosts: ['::1'] } }); }, 180_000);
  afterAll(async () => { await stack?.stop(); });

  it('[::1] and ::1 are the same target: allowed by the site, dialed and named [::1]:2222; a saved profile has one entry', async () => {
    const { context, page } = await stack.newPage();
    await openApp(page, stack.baseUrl);
    for (const typed of ['[::1]', '::1']) {
      await page.fill('#host', typed);
      await page.fill('#port', '2222');
      await page.fill('#user', 'alice');
      await page.click('#save-profile');
      await page.selectOption('#auth-method', 'password');
      await page.fill('#password', 'not-sent');
      await page.click('#connect-button');
      await expect.poll(() => page.textContent('#form-error')).toBe('');
      // The dial starts (the relay of this test allows no target, so it ends there).
      await expect.poll(async () => ((await terminalText(page)).match(/Connecting to alice@\[::1\]:2222…/g) ?? []).length, { timeout: 20_000 }).toBe(typed === '::1' ? 2 : 1);
      await expect.poll(() => page.isEnabled('#connect-button'), { timeout: 30_000 }).toBe(true);
    }
    expect(await page.locator('#profile-list li').allTextContents()).toEqual(['alice@[::1]:2222']);
    await context.close();
  }, 60_000);
});
