// The terminal between sessions, against Debian's sshd through the relay: a session that ends while
// its program has the alternate screen and mouse reporting on leaves the next session neither (personal
// mode keeps the scrollback).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startSshd, type SshServerPeer } from '../peers/index.ts';
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
});
