// The terminal between sessions, against Debian's sshd through the relay: a session that ends while
// its program has the alternate screen and mouse reporting on leaves the next session neither (personal
// mode keeps the scrollback); a kiosk clear wipes both screens, the scrollback and output still on its
// way to xterm.js, so nothing of the last user's session can come back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startSshd, type SshServerPeer } from '../peers/index.ts';
import { startRelay } from '../../relay/index.ts';
import { openApp, startWebStack, statusText, typeCommand, waitForTerminal, type WebStack } from './harness.ts';

async function connectWithPassword(page: Page, sshd: SshServerPeer): Promise<void> {
  await page.selectOption('#auth-method', 'password');
  await page.fill('#password', sshd.password);
  await page.click('#connect-button');
  await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to tessera-test@127\.0\.0\.1/);
}

/** The terminal's state: which screen is shown, mouse reporting, and the text of both screens. */
function terminalState(page: Page): Promise<{ screen: string; mouse: string; normal: string; alternate: string }> {
  return page.evaluate(() => {
    const t = window.tessera!.app.terminal.terminal;
    const text = (b: typeof t.buffer.normal) => { const out: string[] = []; for (let i = 0; i < b.length; i++) out.push(b.getLine(i)?.translateToString(true) ?? ''); return out.join('\n'); };
    return { screen: t.buffer.active.type, mouse: t.modes.mouseTrackingMode, normal: text(t.buffer.normal), alternate: text(t.buffer.alternate) };
  });
}

/** Alternate screen, mouse reporting, hidden cursor, red text: what a full-screen program has on. */
const FULL_SCREEN_ON = String.raw`printf '\033[?1049h\033[?1000h\033[?1006h\033[?25l\033[31mALT-SECRET\n'`;

describe('the terminal between sessions', () => {
  let sshd: SshServerPeer;
  let stack: WebStack;
  const knownHosts = () => sshd.knownHosts().trim().split('\n');
  beforeAll(async () => {
    sshd = await startSshd({ hostKeyTypes: ['ed25519'], hostCertificates: false });
    stack = await startWebStack({
      allow: [`127.0.0.1:${sshd.port}`],
      config: { mode: 'personal', defaultHost: '127.0.0.1', defaultPort: sshd.port, defaultUser: sshd.user, knownHosts: knownHosts() },
    });
  }, 180_000);
  afterAll(async () => { await stack?.stop(); await sshd?.stop(); });

  it('a session that exits inside a full-screen program: back to the normal screen with its scrollback, no mouse reports; the next session starts clean', async () => {
    const { context, page } = await stack.newPage();
    await openApp(page, stack.baseUrl);
    await connectWithPassword(page, sshd);
    await typeCommand(page, 'echo BEFORE-$((40+2))');
    await waitForTerminal(page, /^BEFORE-42\s*$/m);
    await typeCommand(page, `${FULL_SCREEN_ON}; exit`);
    await expect.poll(() => statusText(page), { timeout: 20_000 }).toMatch(/^Closed: The shell exited with status 0/);
    await expect.poll(async () => (await terminalState(page)).screen, { timeout: 20_000 }).toBe('normal');
    const ended = await terminalState(page);
    expect(ended).toMatchObject({ screen: 'normal', mouse: 'none' });
    expect(ended.normal).toMatch(/^BEFORE-42\s*$/m);

    await connectWithPassword(page, sshd);
    await typeCommand(page, 'echo AFTER-$((40+2))');
    await waitForTerminal(page, /^AFTER-42\s*$/m);
    const next = await terminalState(page);
    expect(next).toMatchObject({ screen: 'normal', mouse: 'none' });
    expect(next.normal).toMatch(/^BEFORE-42\s*$/m);
    await page.click('#disconnect-button');
    await context.close();
  }, 120_000);

  it('kiosk clear: nothing of the session is left in either screen, the scrollback or on its way to the terminal', async () => {
    const kiosk = await startRelay({
      config: {
        listen: { host: '127.0.0.1', port: 0 },
        targets: { allow: [`127.0.0.1:${sshd.port}`], allowPrivate: ['127.0.0.0/8'] },
        static: { dir: stack.staticDir },
        site: { mode: 'kiosk', idleTimeoutSeconds: 0, knownHosts: knownHosts(), defaultHost: '127.0.0.1', defaultPort: sshd.port, defaultUser: sshd.user },
      },
      log: () => undefined,
    });
    const context = await stack.browser.newContext({ viewport: { width: 1280, height: 760 } });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      await openApp(page, kiosk.url.replace(/^ws:/, 'http:'));
      await connectWithPassword(page, sshd);
      await typeCommand(page, 'seq 1 200 | sed s/^/SECRET-/');
      await waitForTerminal(page, /^SECRET-200\s*$/m);
      await typeCommand(page, FULL_SCREEN_ON);
      await waitForTerminal(page, /ALT-SECRET/);

      // xterm.js holds the next output unparsed (no write callback), as a busy terminal does: the first
      // write stays in xterm.js, the rest waits in the page's write queue.
      await page.evaluate(() => {
        const view = window.tessera!.app.terminal;
        const t = view.terminal as unknown as { write(d: Uint8Array, cb?: () => void): void };
        const held: [Uint8Array, (() => void) | undefined][] = [];
        const real = t.write.bind(t);
        t.write = (d, cb) => { held.push([d, cb]); };
        let received = '';
        const writeBytes = view.writeBytes.bind(view);
        view.writeBytes = (chunk, release) => { received += new TextDecoder().decode(chunk); return writeBytes(chunk, release); };
        const w = window as unknown as { release(): void; received(): string };
        w.received = () => received;
        w.release = () => { t.write = real; for (const [d, cb] of held.splice(0)) real(d, cb); };
      });
      await page.locator('#terminal .xterm-helper-textarea').focus();
      await page.keyboard.type('seq 1 50 | sed s/^/INFLIGHT-/');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.evaluate(() => (window as unknown as { received(): string }).received()), { timeout: 20_000 }).toMatch(/INFLIGHT-50/);

      await page.evaluate(() => window.tessera!.app.kioskClear('The card was removed.'));
      await page.evaluate(() => (window as unknown as { release(): void }).release());
      await page.evaluate(() => window.tessera!.app.terminal.flush());
      const state = await terminalState(page);
      expect(state.normal + state.alternate).not.toMatch(/SECRET|INFLIGHT|seq 1/);
      expect(state).toMatchObject({ screen: 'normal', mouse: 'none' });
      expect(await statusText(page)).toMatch(/^Closed: The card was removed\./);
    } finally {
      await context.close();
      await kiosk.close({ drainMs: 0 });
    }
  }, 120_000);
});
