// A server that goes silent (its machine died, a link dropped without a reset) while a page session is open: with the
// site's serverAliveIntervalSeconds (ssh_config(5) ServerAliveInterval) the page sends keepalive@openssh.com and
// ends the session once serverAliveCountMax go unanswered, instead of showing "Connected" forever. A proxy between
// the relay and Debian's sshd freezes the connection: nothing forwarded, nothing closed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type SshServerPeer } from '../peers/index.ts';
import { startFreezingProxy, type FreezingProxy } from '../support/index.ts';
import { openApp, statusText, typeCommand, waitForTerminal, startWebStack, type WebStack } from './harness.ts';

describe('a server that goes silent', () => {
  let sshd: SshServerPeer | undefined;
  let proxy: FreezingProxy | undefined;
  let stack: WebStack | undefined;

  beforeAll(async () => {
    sshd = await startSshd({ hostKeyTypes: ['ed25519'], hostCertificates: false });
    proxy = await startFreezingProxy(sshd.port);
    const viaProxy = sshd.knownHosts().trim().split('\n').map((l) => l.replace(`[127.0.0.1]:${sshd!.port} `, `[127.0.0.1]:${proxy!.port} `));
    stack = await startWebStack({
      allow: [`127.0.0.1:${proxy.port}`],
      config: {
        mode: 'personal', defaultHost: '127.0.0.1', defaultPort: proxy.port, defaultUser: sshd.user, knownHosts: viaProxy,
        // A keepalive's answer has 6 s to come back (3 intervals): room on a loaded machine.
        serverAliveIntervalSeconds: 2, serverAliveCountMax: 3,
      },
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    await proxy?.close();
    await sshd?.stop();
  });

  it('ends the session after the unanswered keepalives the site allows', async () => {
    const { context, page } = await stack!.newPage();
    await openApp(page, stack!.baseUrl);
    await page.selectOption('#auth-method', 'password');
    await page.fill('#password', sshd!.password);
    await page.click('#connect-button');
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to /);
    // An idle session that answers stays open: 10 s without output outlasts 3 unanswered keepalives (8 s).
    await typeCommand(page, 'sleep 10; echo still-here-$((40+2))');
    await waitForTerminal(page, /^still-here-42\s*$/m, 30_000);
    expect(await statusText(page)).toMatch(/^Connected to /);

    proxy!.freeze();
    await expect.poll(() => statusText(page), { timeout: 60_000 }).toMatch(/^Closed: The server did not answer 3 keepalive requests; the connection is considered lost\./);
    expect(await page.isEnabled('#connect-button')).toBe(true);
    await context.close();
  }, 120_000);
});
