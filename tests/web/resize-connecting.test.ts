// A window resized while the shell is being opened (the pty was asked for the old size, and the page
// followed resizes only once the shell was open): the pty must end up with the terminal's size.
// Debian's sshd through the relay; the page's SSH worker's "shell opened" answer is held while the
// window changes, so the resize falls in that gap every time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshServerPeer } from '../peers/index.ts';
import { openApp, startSshdStack, statusText, typeCommand, waitForTerminal, type WebStack } from './harness.ts';

describe('resizing while connecting', () => {
  let target: Awaited<ReturnType<typeof startSshdStack>>;
  let sshd: SshServerPeer;
  let stack: WebStack;
  beforeAll(async () => { target = await startSshdStack(); ({ sshd, stack } = target); }, 180_000);
  afterAll(async () => { await target?.stop(); });

  it('the pty gets the size the terminal has when the shell opens, not the one it had when asked', async () => {
    const { context, page } = await stack.newPage();
    // Holds the worker's 'shell-opened' message until released.
    await page.addInitScript(() => {
      const w = window as unknown as { shellHeld: boolean; releaseShell(): void };
      let held: (() => void) | undefined;
      w.shellHeld = false;
      w.releaseShell = () => { held?.(); };
      const add = Worker.prototype.addEventListener;
      Worker.prototype.addEventListener = function (this: Worker, type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions) {
        if (type !== 'message' || typeof listener !== 'function') { add.call(this, type, listener, options); return; }
        add.call(this, type, (event: Event) => {
          if ((event as MessageEvent<{ t?: string }>).data?.t !== 'shell-opened') { listener.call(this, event); return; }
          held = () => listener.call(this, event);
          w.shellHeld = true;
        }, options);
      } as typeof Worker.prototype.addEventListener;
    });
    await openApp(page, stack.baseUrl);
    const before = await page.evaluate(() => window.tessera!.app.terminal.size);
    await page.selectOption('#auth-method', 'password');
    await page.fill('#password', sshd.password);
    await page.click('#connect-button');
    await expect.poll(() => page.evaluate(() => (window as unknown as { shellHeld: boolean }).shellHeld), { timeout: 30_000 }).toBe(true);

    await page.setViewportSize({ width: 900, height: 520 });
    await expect.poll(() => page.evaluate(() => window.tessera!.app.terminal.size.cols)).toBeLessThan(before.cols);
    const after = await page.evaluate(() => window.tessera!.app.terminal.size);
    await page.evaluate(() => (window as unknown as { releaseShell(): void }).releaseShell());
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to tessera-test@127\.0\.0\.1/);

    await typeCommand(page, 'stty size');
    await waitForTerminal(page, new RegExp(`^${after.rows} ${after.cols}\\s*$`, 'm'));
    await page.click('#disconnect-button');
    await context.close();
  }, 120_000);
});
