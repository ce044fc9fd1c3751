// A live session whose relay goes away (shut down or restarted: WebSocket close 1001 with its sentence):
// the status names the relay and its reason, not "the server closed the connection", and Connect is
// offered again. Debian's sshd through the relay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshServerPeer } from '../peers/index.ts';
import { openApp, startSshdStack, statusText, typeCommand, waitForTerminal, type WebStack } from './harness.ts';

describe('the relay going away under a session', () => {
  let target: Awaited<ReturnType<typeof startSshdStack>>;
  let sshd: SshServerPeer;
  let stack: WebStack;
  beforeAll(async () => { target = await startSshdStack(); ({ sshd, stack } = target); }, 180_000);
  afterAll(async () => { await target?.stop(); });

  it('says the relay ended the session, with its reason, and offers Connect again', async () => {
    const { context, page } = await stack.newPage();
    await openApp(page, stack.baseUrl);
    await page.selectOption('#auth-method', 'password');
    await page.fill('#password', sshd.password);
    await page.click('#connect-button');
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to tessera-test@127\.0\.0\.1/);
    await typeCommand(page, 'echo live-$((40+2))');
    await waitForTerminal(page, /^live-42\s*$/m);

    await stack.relay.close({ drainMs: 0 });
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Closed: /);
    expect(await statusText(page)).toBe('Closed: The relay ended the connection: The relay is shutting down; reconnect.');
    expect(await page.isEnabled('#connect-button')).toBe(true);
    expect(await page.isEnabled('#disconnect-button')).toBe(false);
    await context.close();
  }, 120_000);
});
