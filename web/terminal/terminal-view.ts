// The terminal: xterm.js with fit, WebGL (falling back to the DOM renderer when WebGL is
// unavailable, e.g. headless Chromium with --disable-gpu, or when the GPU context is lost),
// web links, search and Unicode 11 widths.
import { Terminal, type IDisposable } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { pasteSafe } from './paste.ts';
import { THEMES, type ThemeName } from './themes.ts';
import { Utf8Stream } from './utf8-stream.ts';
import { WriteQueue } from './write-queue.ts';

export type Renderer = 'webgl' | 'dom';

/**
 * What a session's programs may have switched on and left on when it ended (a shell killed inside vim,
 * a dropped connection): mouse reporting (9, 1000-1003, with its encodings 1005/1006/1015/1016) and
 * focus reports (1004); then DECSTR (CSI ! p), which restores the cursor, colours, bracketed paste,
 * cursor keys, origin and margins. xterm ctlseqs, "Functions using CSI".
 */
const SESSION_MODES_OFF = '\x1b[?9l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1004l\x1b[?1005l\x1b[?1006l\x1b[?1015l\x1b[?1016l\x1b[!p';
/** Leaves the alternate screen, restoring the cursor saved on entry (DECRST 1049); only sent from it, as it always restores. */
const LEAVE_ALTERNATE_SCREEN = '\x1b[?1049l';
/** RIS, full reset (ECMA-48 §8.3.105): both screens, the scrollback and every mode. */
const FULL_RESET = '\x1bc';

/** What Tab does in the terminal (index.html carries the first as the hint's initial text). */
export const TAB_TO_SHELL = 'Tab goes to the shell. Ctrl+Shift+M: Tab moves focus.';
export const TAB_MOVES_FOCUS = 'Tab moves focus. Ctrl+Shift+M: Tab goes to the shell.';

export interface TerminalSize { cols: number; rows: number }

export class TerminalView {
  readonly terminal: Terminal;
  private readonly fit = new FitAddon();
  private readonly search = new SearchAddon();
  private utf8 = new Utf8Stream();
  private readonly queue: WriteQueue;
  private webgl: IDisposable | undefined;
  private resizeObserver: ResizeObserver | undefined;
  renderer: Renderer = 'dom';
  /** Bytes received from the server so far (a cheap progress counter for benchmarks and support). */
  bytesWritten = 0;
  /** Tab and Shift+Tab move the focus out of the terminal instead of going to the shell (Ctrl+Shift+M). */
  tabMovesFocus = false;
  /** The line that says how Tab behaves: the input's description, and a live region, so the switch is heard. */
  private readonly keysHint: HTMLElement | undefined;

  constructor(private readonly container: HTMLElement, options: { theme?: ThemeName; screenReaderMode?: boolean } = {}) {
    this.terminal = new Terminal({
      allowProposedApi: true, // unicode11's activeVersion is a proposed API in xterm 6
      cursorBlink: true,
      fontFamily: '"DejaVu Sans Mono", "Cascadia Mono", Menlo, Consolas, monospace',
      fontSize: 14,
      scrollback: 10_000,
      screenReaderMode: options.screenReaderMode ?? false,
      theme: THEMES[options.theme ?? 'dark'],
    });
    this.queue = new WriteQueue({ write: (data, parsed) => this.terminal.write(data, parsed) });
    this.terminal.loadAddon(this.fit);
    this.terminal.loadAddon(this.search);
    this.terminal.loadAddon(new Unicode11Addon());
    this.terminal.unicode.activeVersion = '11';
    this.terminal.loadAddon(new WebLinksAddon((event, uri) => {
      event.preventDefault();
      // Links open in a new tab without a referrer or a handle back to the terminal.
      window.open(uri, '_blank', 'noopener,noreferrer');
    }));
    // Ctrl+Shift+C copies the selection (Ctrl+C stays the shell's interrupt); Ctrl+Shift+V and
    // Ctrl+V reach xterm.js as the browser's paste event (bracketed paste when the shell asks).
    this.terminal.attachCustomKeyEventHandler((e) => {
      if (e.type === 'keydown' && e.ctrlKey && e.shiftKey && (e.key === 'C' || e.key === 'c')) {
        const text = this.terminal.getSelection();
        if (text) void navigator.clipboard?.writeText(text).catch(() => undefined);
        return false;
      }
      // Tab goes to the shell (completion), so the keyboard could not leave the terminal (WCAG 2.1.2): Ctrl+Shift+M
      // switches Tab and Shift+Tab to moving the focus (the browser's default action), and back.
      if (e.ctrlKey && e.shiftKey && !e.altKey && !e.metaKey && (e.key === 'M' || e.key === 'm')) {
        e.preventDefault(); // Chrome's own Ctrl+Shift+M (the profile menu)
        if (e.type === 'keydown') this.setTabMovesFocus(!this.tabMovesFocus);
        return false;
      }
      if (this.tabMovesFocus && e.key === 'Tab' && !e.ctrlKey && !e.altKey && !e.metaKey) return false;
      return true;
    });
    // The browser's paste event reaches xterm.js on its textarea; a paste with ESC is taken here first
    // (capture phase) and pasted without it (paste.ts).
    container.addEventListener('paste', (e) => {
      const text = e.clipboardData?.getData('text/plain');
      if (text === undefined || !text.includes('\x1b')) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      this.paste(text);
    }, { capture: true });
    this.terminal.open(container);
    // The container's description (index.html: how Tab behaves here) is the keyboard input's, where focus lands.
    this.keysHint = document.getElementById(container.getAttribute('aria-describedby') ?? '') ?? undefined;
    if (this.keysHint) this.terminal.textarea?.setAttribute('aria-describedby', this.keysHint.id);
    this.renderer = 'dom';
    void this.tryWebgl();
    this.fitNow();
    this.resizeObserver = new ResizeObserver(() => this.fitNow());
    this.resizeObserver.observe(container);
  }

  /** Loads the WebGL renderer; keeps the DOM renderer when WebGL is unavailable. */
  private async tryWebgl(): Promise<void> {
    try {
      const probe = document.createElement('canvas');
      const gl = probe.getContext('webgl2');
      if (!gl) return;
      // A software rasteriser (SwiftShader, llvmpipe: no GPU, e.g. --disable-gpu) is slower than the DOM renderer.
      const info = gl.getExtension('WEBGL_debug_renderer_info');
      const name = String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
      gl.getExtension('WEBGL_lose_context')?.loseContext();
      if (/swiftshader|llvmpipe|software/i.test(name)) return;
      const { WebglAddon } = await import('@xterm/addon-webgl');
      const addon = new WebglAddon();
      addon.onContextLoss(() => { addon.dispose(); this.webgl = undefined; this.renderer = 'dom'; });
      this.terminal.loadAddon(addon);
      this.webgl = addon;
      this.renderer = 'webgl';
    } catch {
      this.renderer = 'dom';
    }
  }

  fitNow(): void {
    if (this.container.clientWidth === 0 || this.container.clientHeight === 0) return;
    try { this.fit.fit(); } catch { /* not yet laid out */ }
  }

  get size(): TerminalSize { return { cols: this.terminal.cols, rows: this.terminal.rows }; }

  /**
   * Bytes from the SSH channel (UTF-8 possibly split across packets), batched into few large
   * writes. Returns a promise when the terminal is behind: the caller awaits it before reading
   * more from the channel, so the SSH window throttles the server (write-queue.ts). `release` runs
   * once the terminal no longer needs the chunk's buffer (at once when the bytes were copied).
   */
  writeBytes(chunk: Uint8Array, release?: () => void): Promise<void> | undefined {
    this.bytesWritten += chunk.byteLength;
    const bytes = this.utf8.take(chunk);
    if (release && bytes.buffer !== chunk.buffer) { release(); return this.queue.push(bytes); }
    return this.queue.push(bytes, release);
  }

  /** Resolves once everything written so far is parsed (xterm writes are asynchronous). */
  async flush(): Promise<void> {
    await this.queue.idle();
    await new Promise<void>((resolve) => this.terminal.write('', resolve));
  }

  /** Page messages (banner, notices), in order with the session output already queued. */
  writeLine(text: string): void {
    void this.queue.push(new TextEncoder().encode(`${text}\r\n`));
  }

  /** A new session starts with a fresh decoder (a half character from the last one is dropped). */
  resetDecoder(): void { this.utf8 = new Utf8Stream(); }

  /**
   * Back to the normal screen with the modes a session left on turned off (SESSION_MODES_OFF), after
   * the output already queued is parsed; the scrollback stays. Else the next session would start in
   * the old alternate screen (no scrollback), with clicks sent to its shell as mouse reports.
   */
  async resetModes(): Promise<void> {
    await this.flush();
    const alternate = this.terminal.buffer.active.type === 'alternate';
    void this.queue.push(new TextEncoder().encode(`${alternate ? LEAVE_ALTERNATE_SCREEN : ''}${SESSION_MODES_OFF}`));
  }

  /**
   * Forgets all a session showed (kiosk clear): output not yet handed to xterm.js is dropped, and a full
   * reset follows what xterm.js already holds (in band: `terminal.reset()` would run before it, and the
   * held output would land on the cleared screen), wiping both screens, the scrollback and the modes.
   */
  wipe(): void {
    this.queue.clear();
    this.utf8 = new Utf8Stream();
    this.search.clearDecorations();
    this.terminal.clearSelection();
    void this.queue.push(new TextEncoder().encode(FULL_RESET));
  }

  /** Pastes text as the user's input (bracketed when the shell asked), without ESC (paste.ts). */
  paste(text: string): void { this.terminal.paste(pasteSafe(text)); }

  onInput(listener: (data: string) => void): IDisposable { return this.terminal.onData(listener); }
  onResize(listener: (size: TerminalSize) => void): IDisposable { return this.terminal.onResize(listener); }
  onBell(listener: () => void): IDisposable { return this.terminal.onBell(listener); }

  setTheme(name: ThemeName): void { this.terminal.options.theme = THEMES[name]; }
  setScreenReaderMode(on: boolean): void { this.terminal.options.screenReaderMode = on; }

  setTabMovesFocus(on: boolean): void {
    this.tabMovesFocus = on;
    if (!this.keysHint) return;
    this.keysHint.textContent = on ? TAB_MOVES_FOCUS : TAB_TO_SHELL;
    this.keysHint.title = this.keysHint.textContent; // the whole line where the toolbar cuts it
  }

  findNext(term: string): boolean { return term !== '' && this.search.findNext(term); }
  selection(): string { return this.terminal.getSelection(); }
  clear(): void { this.terminal.clear(); }
  focus(): void { this.terminal.focus(); }

  /** The visible screen and scrollback as text, one string per line (tests read the terminal through this). */
  bufferLines(): string[] {
    const buffer = this.terminal.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
    return lines;
  }

  dispose(): void {
    this.resizeObserver?.disconnect();
    this.webgl?.dispose();
    this.terminal.dispose();
  }
}
