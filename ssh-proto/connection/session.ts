// Interactive sessions, RFC 4254 §6: pty-req, env, shell, exec, subsystem, window-change, signal, exit-status, exit-signal.
import { SshReader, SshWriter } from '../wire/index.ts';
import { Channel, type ChannelHost, type ChannelParams } from './channel.ts';
import { ConnectionError } from './errors.ts';
import { encodeTerminalModes, type TerminalModes } from './terminal-modes.ts';

export interface PtyOptions {
  /** TERM, default "xterm-256color". */
  term?: string;
  cols: number;
  rows: number;
  widthPx?: number;
  heightPx?: number;
  modes?: TerminalModes;
}

/** Alias used by ssh-proto/client.ts. */
export type PtyRequest = PtyOptions;

/** How the remote command ended (RFC 4254 §6.10): an exit code, or a signal. Both undefined if the server said neither. */
export interface ExitStatus {
  code?: number;
  /** Signal name without "SIG", e.g. "TERM". */
  signal?: string;
  coreDumped?: boolean;
  message?: string;
}

export class Session extends Channel {
  private exitStatus: ExitStatus = {};
  /** Resolves when the channel has closed, with what the server reported; rejects if the connection failed before any status. */
  readonly exit: Promise<ExitStatus>;

  constructor(host: ChannelHost, p: ChannelParams) {
    super(host, p);
    this.exit = this.closed.then(() => {
      // A command whose status arrived has ended, even if the connection dropped before CHANNEL_CLOSE.
      const known = this.exitStatus.code !== undefined || this.exitStatus.signal !== undefined;
      if (this.failedWith && !known) throw this.failedWith;
      return this.exitStatus;
    });
    this.exit.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
    this.onRequest = (type, data) => this.sessionRequest(type, data);
  }

  private failedWith: Error | undefined;

  override fail(error: Error): void {
    this.failedWith ??= error;
    super.fail(error);
  }

  get stdout(): ReadableStream<Uint8Array> {
    return this.readable;
  }

  get stderr(): ReadableStream<Uint8Array> {
    return this.readableStderr;
  }

  get stdin(): WritableStream<Uint8Array> {
    return this.writable;
  }

  private async must(type: string, data: Uint8Array, what: string): Promise<void> {
    if (!(await this.request(type, data, true))) {
      throw new ConnectionError('CHANNEL_REQUEST_FAILED', `The server refused ${what}.`);
    }
  }

  /** §6.2: string TERM, uint32 cols, uint32 rows, uint32 width px, uint32 height px, string encoded modes. */
  requestPty(o: PtyOptions): Promise<void> {
    const data = new SshWriter().string(o.term ?? 'xterm-256color').uint32(o.cols).uint32(o.rows)
      .uint32(o.widthPx ?? 0).uint32(o.heightPx ?? 0).string(encodeTerminalModes(o.modes ?? {})).toBytes();
    return this.must('pty-req', data, 'a terminal (pty-req)');
  }

  /** §6.4: string name, string value. Servers refuse names outside AcceptEnv: resolves false then, never throws for it. */
  env(name: string, value: string): Promise<boolean> {
    return this.request('env', new SshWriter().string(name).string(value).toBytes(), true);
  }

  /** §6.5 */
  shell(): Promise<void> {
    return this.must('shell', new Uint8Array(0), 'to start a shell');
  }

  /** §6.5: string command. */
  exec(command: string): Promise<void> {
    return this.must('exec', new SshWriter().string(command).toBytes(), `to run "${command}"`);
  }

  /** §6.5: string subsystem name. */
  subsystem(name: string): Promise<void> {
    return this.must('subsystem', new SshWriter().string(name).toBytes(), `the ${name} subsystem`);
  }

  /** §6.7: uint32 cols, rows, width px, height px; no reply. */
  async windowChange(cols: number, rows: number, widthPx = 0, heightPx = 0): Promise<void> {
    await this.request('window-change', new SshWriter().uint32(cols).uint32(rows).uint32(widthPx).uint32(heightPx).toBytes(), false);
  }

  /** §6.9: string signal name without "SIG" (e.g. "INT", "TERM"); no reply. */
  async signal(name: string): Promise<void> {
    await this.request('signal', new SshWriter().string(name.replace(/^SIG/, '')).toBytes(), false);
  }

  private sessionRequest(type: string, data: Uint8Array): boolean {
    const r = new SshReader(data);
    if (type === 'exit-status') {
      // §6.10: uint32 exit_status
      this.exitStatus = { code: r.uint32() };
      r.end();
      return true;
    }
    if (type === 'exit-signal') {
      // §6.10: string signal name (without "SIG"), boolean core dumped, string error message, string language tag
      const signal = r.name();
      const coreDumped = r.boolean();
      const message = r.utf8();
      r.string();
      r.end();
      this.exitStatus = { signal, coreDumped, ...(message ? { message } : {}) };
      return true;
    }
    // keepalive@openssh.com, eow@openssh.com and anything unknown: FAILURE when a reply is wanted (as OpenSSH's client).
    return false;
  }
}
