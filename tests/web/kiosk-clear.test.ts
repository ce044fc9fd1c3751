// A kiosk clear (card removed, idle timeout) as the next person at the kiosk finds the page: no trace of
// the last user's target in the page, hidden parts included (the recent-connections list, the search box,
// the port they typed), and the form back to the site's defaults. Debian's sshd through the relay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type SshServerPeer } from '../peers/index.ts';
import { startRelay, type RelayHandle } from '../../relay/index.ts';
import { openApp, startWebStack, statusText, type WebStack } from './harness.ts';

describe('kiosk clear', () => {
  let sshd: SshServerPeer;
  let stack: WebStack;
  let kiosk: RelayHandle;
  beforeAll(async () => {
    sshd = await startSshd({ hostKeyTypes: ['ed25519'], hostCertificates: false });
    stack = await startWebStack();
    kiosk = await startRelay({
      config: {
        listen: { host: '127.0.0.1', port: 0 },
        targets: { allow: [`127.0.0.1:${sshd.port}`], allowPrivate: ['127.0.0.0/8'] },
        static: { dir: stack.staticDir },
        site: { mode: 'kiosk', idleTimeoutSeconds: 0, knownHosts: sshd.knownHosts().trim().split('\n'), defaultPort: 2200, defaultUser: 'next-user' },
      },
      log: () => undefined,
    });
  }, 180_000);
  afterAll(async () => { await kiosk?.close({ drainMs: 0 }); await stack?.stop(); await sshd?.stop(); });

  it('leaves nothing of the last user in the page: recent connections, search, port, sign-in method', async () => {
    const context = await stack.browser.newContext({ viewport: { width: 1280, height: 760 } });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      await openApp(page, kiosk.url.replace(/^ws:/, 'http:'));
      expect(await page.inputValue('#port')).toBe('2200');
      expect(await page.inputValue('#user')).toBe('next-user');
      const form = { host: '127.0.0.1', port: String(sshd.port), user: sshd.user };
      for (const [id, value] of Object.entries(form)) await page.fill(`#${id}`, value);
      await page.selectOption('#auth-method', 'password');
      await page.fill('#password', sshd.password);
      await page.click('#connect-button');
      await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to tessera-test@127\.0\.0\.1/);
      // The page noted the connection (kept in memory only, in a list a kiosk does not show).
      await expect.poll(() => page.locator('#recent-list li').count()).toBe(1);
      await page.fill('#search-input', 'tessera-test');
      await page.click('#search-next');

      await page.evaluate(() => window.tessera!.app.kioskClear('The card was removed.'));
      expect(await statusText(page)).toMatch(/^Closed: The card was removed\./);
      expect(await page.locator('#recent-list li').count()).toBe(0);
      expect(await page.locator('#profile-list li').count()).toBe(0);
      expect(await page.innerHTML('#profiles')).not.toContain(String(sshd.port));
      expect({
        host: await page.inputValue('#host'), port: await page.inputValue('#port'), user: await page.inputValue('#user'),
        password: await page.inputValue('#password'), auth: await page.inputValue('#auth-method'), search: await page.inputValue('#search-input'),
      }).toEqual({ host: '', port: '2200', user: 'next-user', password: '', auth: 'card', search: '' });
      expect(await page.isVisible('#password-row')).toBe(false);
    } finally {
      await context.close();
    }
  }, 120_000);
});
