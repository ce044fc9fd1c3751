// One SSH shell session in the terminal: relay WebSocket → SSH (ssh-proto) → a pty shell whose
// output feeds xterm.js and whose window size follows the terminal (RFC 4254 §6.7 window-change).
import { WebError, errorMessage } from '../errors.ts';
import { relayTargetUrl } from '../net/websocket-stream.ts';
import type { TerminalView } from '../terminal/terminal-view.ts';
import { status, type KexAlgorithms, type Status } from './status.ts';

export interface ShellChannel {
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  readonly stdin: WritableStream<Uint8Array>;
  windowChange(cols: number, rows: number): Promise<void>;
  readonly exit: Promise<{ code?: number; signal?: string }>;
  /** Optional: a chunk read from stdout or stderr that the reader no longer needs (its buffer may be reused). */
  recycle?(chunk: Uint8Array): void;
}

export interface SshConnection {
  openShell(pty: { term: string; cols: number; rows: number }): Promise<ShellChannel>;
  close(): Promise<void>;
  readonly closed: Promise<Error | undefined>;
}

export type SshEvent =
  | { type: 'kex-done'; algorithms: KexAlgorithms }
  | { type: 'authenticating'; method: string }
  | { type: 'auth-attempt'; method: string; result: 'partial' | 'failure' };

/** A key that signs SSH user-auth data (ssh-proto's Signer; the card layer provides them). */
export interface SshSigner {
  readonly publicKey: Uint8Array;
  readonly algorithms: readonly string[];
  sign(algorithm: string, data: Uint8Array): Promise<Uint8Array>;
}

/** What the server asks the user during sign-in (keyboard-interactive, RFC 4256 §3.2; server-chosen text). */
export interface AuthQuestion {
  readonly name: string;
  readonly instruction: string;
  readonly prompts: readonly { readonly prompt: string; readonly echo: boolean }[];
}

/** Answers every prompt in order; rejects when the user cancels. */
export type AuthPrompt = (question: AuthQuestion) => Promise<readonly string[]>;

export interface DialAuth {
  readonly password?: string;
  readonly signers?: readonly SshSigner[];
  /**
   * The server's other questions: a one-time code beside the password, and with a card, what a server that needs a
   * further factor asks after the card's key was accepted (RFC 4252 §5.1 partial success).
   */
  readonly prompt?: AuthPrompt;
}

export interface DialOptions {
  readonly username: string;
  readonly auth: DialAuth;
  /** The server's USERAUTH_BANNER (raw: the caller escapes control characters). */
  readonly onBanner?: (message: string) => void;
  readonly verifyHostKey: (key: { algorithm: string; blob: Uint8Array }) => Promise<void>;
  /** Host-key algorithms to offer, in order (the types on record for the host first). */
  readonly hostKeyAlgorithms?: readonly string[];
  readonly onEvent: (event: SshEvent) => void;
  /** The relay's WebSocket is open (the key exchange starts). */
  readonly onRelayOpen?: () => void;
  /** The relay's WebSocket closed, with its sentence for people and the close code. */
  readonly onRelayClose?: (reason: string, code: number) => void;
  /** Aborted when the session ends while dialing: the dialer closes what it opened. */
  readonly signal?: AbortSignal;
  /** keepalive@openssh.com after intervalMs without a word from the server; maxMissed unanswered end the session. */
  readonly keepalive?: { readonly intervalMs: number; readonly maxMissed: number };
}

/**
 * Opens the relay WebSocket to `url` and runs SSH over it: in the page (ssh-dialer.ts) or in a
 * worker (worker-dialer.ts). Closing the connection closes the socket.
 */
export type SshDialer = (url: string, options: DialOptions) => Promise<SshConnection>;

export interface SessionTarget { readonly host: string; readonly port: number; readonly user: string }

export class TerminalSession {
  private connection: SshConnection | undefined;
  private readonly abort = new AbortController();
  private shell: ShellChannel | undefined;
  private writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  private readonly disposers: (() => void)[] = [];
  /** The shell's output readers, and their loops (over once the output ended or was dropped). */
  private readonly readers: ReadableStreamDefaultReader<Uint8Array>[] = [];
  private readonly pumps: Promise<void>[] = [];
  /** Closed by the page (Disconnect, card removed, kiosk cleared): output still in flight is dropped. */
  private discard = false;
  private ended = false;
  private algorithms: KexAlgorithms | undefined;
  private closeReason: string | undefined;
  private closeCode: number | undefined;
  /** Settles when the session is over, with the reason shown in the status line. */
  readonly done: Promise<string>;
  private finish!: (reason: string) => void;

  constructor(
    private readonly view: TerminalView,
    private readonly onStatus: (s: Status) => void,
  ) {
    this.done = new Promise((resolve) => { this.finish = resolve; });
  }

  async start(
    relayUrl: string, target: SessionTarget, dial: SshDialer, auth: DialAuth,
    dialing: Pick<DialOptions, 'verifyHostKey' | 'hostKeyAlgorithms' | 'keepalive'>,
  ): Promise<void> {
    // Closed before the dial (while the card was read): the status says closed, and stays so.
    if (this.ended) return;
    const name = `${target.user}@${target.host}:${target.port}`;
    this.onStatus(status.connecting(name));
    const connection = await this.dialThrough(dial, relayTargetUrl(relayUrl, target.host, target.port), {
      onRelayOpen: () => { if (!this.ended) this.onStatus(status.keyExchange(name)); },
      onRelayClose: (reason, code) => { this.closeReason ??= reason; this.closeCode ??= code; },
      signal: this.abort.signal,
      username: target.user,
      auth,
      ...dialing,
      // Nothing from a session that ended (its worker may still report) reaches the terminal or the status.
      onBanner: (message) => { if (!this.ended) this.view.writeLine(printable(message)); },
      onEvent: (event) => {
        if (this.ended) return;
        if (event.type === 'kex-done') { this.algorithms = event.algorithms; this.onStatus(status.kexDone(event.algorithms)); }
        else if (event.type === 'authenticating') this.onStatus(status.authenticating(target.user, event.method));
        else this.view.writeLine(`\x1b[2mThe server ${event.result === 'partial' ? 'accepted' : 'did not accept'} ${event.method}.\x1b[0m`);
      },
    });
    this.connection = connection;
    if (this.ended) { await connection.close().catch(() => undefined); return; }
    // The relay's own reason when it ended the session (shutting down, its idle or duration limit, a reset):
    // the SSH layer sees only the stream end, "the server closed the connection", which blamed the server.
    void this.connection.closed.then((err) => this.end(this.relayEnded() ?? (err ? errorMessage(err) : this.closeReason ?? 'The server closed the connection.')));
    this.view.resetDecoder();
    const asked = this.view.size;
    const shell = await this.connection.openShell({ term: 'xterm-256color', ...asked });
    // Closed while the shell opened (card removed, kiosk cleared): close() has closed the connection;
    // the shell must not be wired to the terminal nor reported connected.
    if (this.ended) return;
    this.shell = shell;
    this.writer = shell.stdin.getWriter();
    this.onStatus(status.connected(name, this.algorithms));
    this.pumps.push(this.pump(shell.stdout, shell), this.pump(shell.stderr, shell));
    const input = this.view.onInput((data) => { void this.send(new TextEncoder().encode(data)); });
    const resize = this.view.onResize(({ cols, rows }) => { void shell.windowChange(cols, rows).catch(() => undefined); });
    this.disposers.push(() => input.dispose(), () => resize.dispose());
    // Resized while the shell opened (before the listener above): the pty has the size asked, so send
    // the terminal's own now (RFC 4254 §6.7), or full-screen programs draw for the old one.
    const { cols, rows } = this.view.size;
    if (cols !== asked.cols || rows !== asked.rows) void shell.windowChange(cols, rows).catch(() => undefined);
    void shell.exit.then((exit) => {
      const how = exit.signal ? `the shell was killed by signal ${exit.signal}` : `the shell exited with status ${exit.code ?? 0}`;
      // The server ended it: what it sent before the exit status is still shown (no discard).
      this.end(`${how[0]!.toUpperCase()}${how.slice(1)}.`);
      void this.connection?.close().catch(() => undefined);
    });
    this.view.focus();
  }

  /** The relay's sentence when it closed the WebSocket other than for a normal end of the target's TCP (RFC 6455 §7.4.1: 1000). */
  private relayEnded(): string | undefined {
    return this.closeCode !== undefined && this.closeCode !== 1000 && this.closeReason ? `The relay ended the connection: ${this.closeReason}` : undefined;
  }

  /** When the relay refused or dropped the target, its reason explains more than the SSH layer's "closed early". */
  private async dialThrough(dial: SshDialer, url: string, options: DialOptions): Promise<SshConnection> {
    try {
      return await dial(url, options);
    } catch (err) {
      const relay = this.relayEnded();
      if (relay) throw new WebError('RELAY_CLOSED', relay, { cause: err });
      throw err;
    }
  }

  private async pump(source: ReadableStream<Uint8Array>, shell: ShellChannel): Promise<void> {
    const reader = source.getReader();
    this.readers.push(reader);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || this.discard) return;
        // The chunk's buffer goes back to the channel (the SSH worker) once the terminal is done with it.
        const behind = this.view.writeBytes(value, shell.recycle ? () => shell.recycle!(value) : undefined);
        if (behind) await behind; // xterm.js flow control: stop reading (and crediting window) until it catches up
      }
    } catch {
      // The connection's `closed` promise reports the reason.
    } finally {
      reader.releaseLock();
    }
  }

  /** Keyboard and paste input to the shell. */
  async send(bytes: Uint8Array): Promise<void> {
    if (!this.writer || this.ended) return;
    try { await this.writer.write(bytes); } catch { /* ended */ }
  }

  get active(): boolean { return !this.ended && this.shell !== undefined; }

  /** Over: closed, failed or ended by the server (a caller still preparing the dial stops). */
  get finished(): boolean { return this.ended; }

  /** Settles once the shell's output is all in the terminal, or dropped (read it after `done`). */
  get outputDone(): Promise<void> { return Promise.all(this.pumps).then(() => undefined); }

  private end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    for (const d of this.disposers.splice(0)) d();
    this.onStatus(status.closed(reason));
    this.finish(reason);
  }

  /** Ends the session (user disconnect, card removal, idle timeout) with a reason for the status line. */
  async close(reason: string): Promise<void> {
    if (this.ended) return;
    this.end(reason);
    // The page ended it: output still on its way is not shown (a kiosk clears the terminal next).
    this.discard = true;
    for (const r of this.readers) void r.cancel().catch(() => undefined);
    this.abort.abort();
    try { await this.connection?.close(); } catch { /* already closed */ }
  }

  /** A start failure: reports it and releases what was opened. */
  async fail(err: unknown): Promise<void> {
    const reason = errorMessage(err);
    if (this.ended) return;
    this.ended = true;
    for (const d of this.disposers.splice(0)) d();
    this.onStatus(status.error(reason));
    // The status bar may cut a long reason short; the terminal shows all of it.
    this.view.writeLine(`\x1b[31m${printable(reason)}\x1b[0m`);
    this.finish(reason);
    this.abort.abort();
    try { await this.connection?.close(); } catch { /* ignore */ }
  }
}

export function assertPort(text: string): number {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port < 1 || port > 65535) throw new WebError('FORM_PORT', 'The port must be a number from 1 to 65535.');
  return port;
}

/** The server's banner is untrusted text: drop control characters (escape sequences included), keep line breaks. */
export function printable(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '\n') out += '\r\n';
    else if (c >= 0x20 && c !== 0x7f && !(c >= 0x80 && c < 0xa0)) out += ch;
  }
  return out;
}
