// The SSH client: Transport (RFC 4253) + user authentication (RFC 4252) + Connection (RFC 4254),
// composed over any ByteStream. Progress events let a UI show where the connection stands.
import { Transport, type ByteStream, type HostKeyInfo, type NegotiatedAlgorithms, type TransportOptions } from './transport/index.ts';
import { authenticate, type AuthOptions } from './auth/index.ts';
import { Connection, type ConnectionOptions, type Session, type PtyOptions } from './connection/index.ts';
import { DISCONNECT_REASON } from './messages.ts';

export type ClientEvent =
  | { type: 'connecting' }
  | { type: 'kex-done'; algorithms: NegotiatedAlgorithms; strictKex: boolean; initial: boolean }
  | { type: 'authenticating'; username: string }
  | { type: 'connected'; serverVersion: string; hostKey: HostKeyInfo; algorithms: NegotiatedAlgorithms; strictKex: boolean }
  | { type: 'closed'; reason: Error | undefined };

export interface AlgorithmPreferences {
  readonly kex?: readonly string[];
  readonly ciphers?: readonly string[];
  readonly macs?: readonly string[];
  readonly hostKeys?: readonly string[];
}

export interface ConnectOptions {
  readonly username: string;
  /** How to authenticate: the methods tried in order, banner and prompt callbacks (ssh-proto/auth). */
  readonly auth: Omit<AuthOptions, 'username'>;
  /** Host-key trust decision (e.g. from ssh-proto/hostkeys). Never skipped: reject to refuse. */
  readonly verifyHostKey: TransportOptions['verifyHostKey'];
  readonly algorithms?: AlgorithmPreferences;
  readonly rekeyAfterBytes?: number;
  readonly rekeyAfterMs?: number;
  readonly handshakeTimeoutMs?: number;
  readonly clientVersion?: string;
  /** Channel windows, keepalive (ssh-proto/connection). */
  readonly connection?: ConnectionOptions;
  onEvent?(event: ClientEvent): void;
}

export interface SessionOptions {
  /** Ask for a pseudo-terminal first (RFC 4254 §6.2). */
  readonly pty?: PtyOptions;
  /** Environment variables (RFC 4254 §6.4); servers accept only what they allow (AcceptEnv). */
  readonly env?: Readonly<Record<string, string>>;
}

export class SshClient {
  /** Settles when the connection ends: undefined for a clean close, the error otherwise. */
  readonly closed: Promise<Error | undefined>;

  constructor(readonly transport: Transport, readonly connection: Connection, onEvent: ConnectOptions['onEvent']) {
    // The transport sees only a clean close when the connection layer closed it for a reason of its own (unanswered
    // keepalives, a broken channel message): that reason is the connection's end.
    this.closed = transport.closed.then((transportReason) => {
      const reason = transportReason ?? connection.abortError;
      onEvent?.({ type: 'closed', reason });
      return reason;
    });
  }

  get serverVersion(): string { return this.transport.serverVersion; }
  get hostKey(): HostKeyInfo { return this.transport.hostKey; }
  get algorithms(): NegotiatedAlgorithms { return negotiated(this.transport); }
  get strictKex(): boolean { return this.transport.strictKex; }

  /** A new session channel with nothing started on it yet. */
  openSession(): Promise<Session> {
    return this.connection.openSession();
  }

  /** Runs `command` (RFC 4254 §6.5 "exec"); read stdout/stderr and await `exit`. */
  async exec(command: string, options: SessionOptions = {}): Promise<Session> {
    return this.start(options, (session) => session.exec(command));
  }

  /** Starts the user's login shell (RFC 4254 §6.5 "shell"), by default without a pty. */
  async shell(options: SessionOptions = {}): Promise<Session> {
    return this.start(options, (session) => session.shell());
  }

  /** Ends every channel and the connection (SSH_MSG_DISCONNECT, by application). */
  async close(description = 'client closed the connection'): Promise<void> {
    await this.connection.close();
    await this.transport.close(DISCONNECT_REASON.BY_APPLICATION, description);
    await this.closed;
  }

  /** Opens a session, sends env and pty-req, then `begin`; a refused request closes the channel again. */
  private async start(options: SessionOptions, begin: (session: Session) => Promise<void>): Promise<Session> {
    const session = await this.connection.openSession();
    try {
      for (const [name, value] of Object.entries(options.env ?? {})) await session.env(name, value);
      if (options.pty) await session.requestPty(options.pty);
      await begin(session);
    } catch (err) {
      await session.close().catch(() => undefined);
      throw err;
    }
    return session;
  }
}

function negotiated(transport: Transport): NegotiatedAlgorithms {
  // Defined once Transport.connect resolved (transport/index.ts).
  const algorithms = transport.algorithms;
  if (!algorithms) throw new Error('the transport has no negotiated algorithms');
  return algorithms;
}

/** Connects over `stream`: key exchange, host-key check, authentication; resolves when usable. */
export async function connect(stream: ByteStream, options: ConnectOptions): Promise<SshClient> {
  const { onEvent } = options;
  onEvent?.({ type: 'connecting' });
  const prefs = options.algorithms ?? {};
  const transportOptions: TransportOptions = {
    verifyHostKey: options.verifyHostKey,
    ...(prefs.kex ? { kexAlgorithms: prefs.kex } : {}),
    ...(prefs.ciphers ? { ciphers: prefs.ciphers } : {}),
    ...(prefs.macs ? { macs: prefs.macs } : {}),
    ...(prefs.hostKeys ? { hostKeyAlgorithms: prefs.hostKeys } : {}),
    ...(options.rekeyAfterBytes !== undefined ? { rekeyAfterBytes: options.rekeyAfterBytes } : {}),
    ...(options.rekeyAfterMs !== undefined ? { rekeyAfterMs: options.rekeyAfterMs } : {}),
    ...(options.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: options.handshakeTimeoutMs } : {}),
    ...(options.clientVersion !== undefined ? { clientVersion: options.clientVersion } : {}),
    onEvent(event) {
      if (event.type === 'kex-done') onEvent?.({ type: 'kex-done', algorithms: event.algorithms, strictKex: event.strictKex, initial: event.initial });
    },
  };
  const transport = await Transport.connect(stream, transportOptions);
  try {
    onEvent?.({ type: 'authenticating', username: options.username });
    await authenticate(transport, { ...options.auth, username: options.username } as AuthOptions);
  } catch (err) {
    await transport.close(DISCONNECT_REASON.NO_MORE_AUTH_METHODS_AVAILABLE, 'authentication failed').catch(() => undefined);
    throw err;
  }
  const connection = new Connection(transport, options.connection ?? {});
  const client = new SshClient(transport, connection, onEvent);
  onEvent?.({ type: 'connected', serverVersion: transport.serverVersion, hostKey: transport.hostKey, algorithms: negotiated(transport), strictKex: transport.strictKex });
  return client;
}
