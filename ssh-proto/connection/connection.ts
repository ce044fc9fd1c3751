// The connection protocol, RFC 4254: one receive loop dispatching to channels, channel opening,
// global requests both ways, and the client keepalive (keepalive@openssh.com, as ssh's ServerAliveInterval).
import { MSG, DISCONNECT_REASON } from '../messages.ts';
import { SshError, SshProtocolError } from '../errors.ts';
import { SshReader, SshWriter } from '../wire/index.ts';
import { Channel, MAX_WINDOW, type ChannelHost, type ChannelParams } from './channel.ts';
import { ChannelOpenError, ConnectionError, OPEN_FAILURE_REASON } from './errors.ts';
import { Session } from './session.ts';

/** What the connection needs from the transport; `Transport` satisfies it structurally. */
export interface ConnectionChannel {
  /** `tail`, when given, follows `payload` in the same message (Transport.send). */
  send(payload: Uint8Array, tail?: Uint8Array): Promise<void>;
  receive(): Promise<Uint8Array>;
  /** Optional: the next message if one already waits, else undefined (the loop then awaits receive()). */
  tryReceive?(): Uint8Array | undefined;
  /** Optional: used to end the transport when the peer breaks the connection protocol. */
  close?(reason?: number, description?: string): Promise<void>;
}

export interface ConnectionOptions {
  /** Our receive window per channel. Default 2 MiB (OpenSSH's CHAN_SES_WINDOW_DEFAULT). */
  windowSize?: number;
  /** The largest data packet we accept. Default 32 KiB (OpenSSH's CHAN_SES_PACKET_DEFAULT). */
  maxPacket?: number;
  /** Send keepalive@openssh.com after this long without hearing from the server; 0 disables. Default 0. */
  keepaliveIntervalMs?: number;
  /** Unanswered keepalives tolerated before the connection fails with KEEPALIVE_TIMEOUT. Default 3. */
  keepaliveMaxMissed?: number;
  /** Server global requests (e.g. hostkeys-00@openssh.com). Return true to answer SUCCESS; default is FAILURE. */
  onGlobalRequest?(name: string, data: Uint8Array): boolean;
}

const DEFAULT_WINDOW = 2 * 1024 * 1024;
const DEFAULT_MAX_PACKET = 32 * 1024;

export class Connection {
  private readonly channels = new Map<number, Channel>();
  private readonly opening = new Map<number, { resolve(p: Omit<ChannelParams, 'localId' | 'type'>): void; reject(e: Error): void; type: string }>();
  private readonly globalReplies: { resolve(r: { ok: boolean; data: Uint8Array }): void; reject(e: Error): void }[] = [];
  private nextId = 0;
  private failure: Error | undefined;
  private closing = false;
  private heard = true;
  private missed = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private resolveClosed!: (e: Error | undefined) => void;
  /** Settles when the connection ends: undefined after close(), the error otherwise. */
  readonly closed: Promise<Error | undefined> = new Promise((r) => { this.resolveClosed = r; });
  private readonly windowSize: number;
  private readonly maxPacket: number;
  private readonly host: ChannelHost = {
    send: (p, tail) => this.send(p, tail),
    release: (id) => { this.channels.delete(id); },
  };

  constructor(private readonly channel: ConnectionChannel, private readonly options: ConnectionOptions = {}) {
    this.windowSize = Math.min(options.windowSize ?? DEFAULT_WINDOW, MAX_WINDOW);
    this.maxPacket = options.maxPacket ?? DEFAULT_MAX_PACKET;
    if (this.windowSize < this.maxPacket) throw new RangeError('windowSize must be at least maxPacket');
    void this.loop();
    const interval = options.keepaliveIntervalMs ?? 0;
    if (interval > 0) {
      this.timer = setInterval(() => this.keepalive(), interval);
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  /** Opens a session channel (RFC 4254 §6.1). */
  async openSession(): Promise<Session> {
    return this.open('session', new Uint8Array(0), (host, p) => new Session(host, p));
  }

  /** Opens a channel of any type; `extra` is the type-specific part of CHANNEL_OPEN (e.g. direct-tcpip, §7.2). */
  async openChannel(type: string, extra: Uint8Array = new Uint8Array(0)): Promise<Channel> {
    return this.open(type, extra, (host, p) => new Channel(host, p));
  }

  private async open<C extends Channel>(type: string, extra: Uint8Array, make: (h: ChannelHost, p: ChannelParams) => C): Promise<C> {
    this.check();
    const localId = this.nextId++;
    // The channel exists from its confirmation on (dispatch may handle the server's next message at once).
    const confirmed = new Promise<C>((resolve, reject) => this.opening.set(localId, {
      resolve: (p) => {
        const ch = make(this.host, { ...p, localId, type });
        this.channels.set(localId, ch);
        resolve(ch);
      },
      reject,
      type,
    }));
    confirmed.catch(() => undefined); // awaited below; a failed send must not leave an unhandled rejection
    // byte 90, string channel type, uint32 sender channel, uint32 initial window size, uint32 maximum packet size
    await this.send(new SshWriter().byte(MSG.CHANNEL_OPEN).string(type).uint32(localId).uint32(this.windowSize).uint32(this.maxPacket).raw(extra).toBytes());
    return confirmed;
  }

  /** RFC 4254 §4: byte 80, string name, boolean want-reply, data. Resolves the reply (ok and response data) when wanted. */
  async globalRequest(name: string, data: Uint8Array = new Uint8Array(0), wantReply = true): Promise<{ ok: boolean; data: Uint8Array }> {
    this.check();
    const payload = new SshWriter().byte(MSG.GLOBAL_REQUEST).string(name).boolean(wantReply).raw(data).toBytes();
    if (!wantReply) {
      await this.send(payload);
      return { ok: true, data: new Uint8Array(0) };
    }
    const reply = new Promise<{ ok: boolean; data: Uint8Array }>((resolve, reject) => this.globalReplies.push({ resolve, reject }));
    reply.catch(() => undefined);
    await this.send(payload);
    return reply;
  }

  /** Stops the keepalive and ends every channel. The transport itself is closed by its owner. */
  async close(): Promise<void> {
    if (this.failure || this.closing) return;
    this.closing = true;
    this.end(new ConnectionError('CONNECTION_CLOSED', 'The connection was closed.'), undefined);
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

  private async send(payload: Uint8Array, tail?: Uint8Array): Promise<void> {
    this.check();
    await this.channel.send(payload, tail);
  }

  private keepalive(): void {
    if (this.failure) return;
    if (this.heard) {
      this.heard = false;
      this.missed = 0;
      return;
    }
    const max = this.options.keepaliveMaxMissed ?? 3;
    if (this.missed >= max) {
      const e = new ConnectionError('KEEPALIVE_TIMEOUT', `The server did not answer ${max} keepalive requests; the connection is considered lost.`);
      this.abort(e, DISCONNECT_REASON.CONNECTION_LOST);
      return;
    }
    this.missed++;
    // OpenSSH's client sends this global request; any reply (usually FAILURE) proves the server alive.
    this.globalRequest('keepalive@openssh.com').catch(() => undefined);
  }

  private async loop(): Promise<void> {
    for (;;) {
      let payload: Uint8Array;
      try {
        // Messages already received are dispatched without a promise each (bulk output: one per packet).
        payload = this.channel.tryReceive?.() ?? await this.channel.receive();
      } catch (e) {
        this.end(e instanceof Error ? e : new ConnectionError('CONNECTION_CLOSED', String(e)), e instanceof Error ? e : undefined);
        return;
      }
      if (this.failure) return;
      this.heard = true;
      try {
        const replying = this.dispatch(payload);
        if (replying) await replying;
      } catch (e) {
        const err = e instanceof SshError ? e : new SshProtocolError('CHANNEL_PROTOCOL', 'A connection message could not be handled.', { cause: e });
        this.abort(err, DISCONNECT_REASON.PROTOCOL_ERROR);
        return;
      }
    }
  }

  /** Why this layer ended the connection itself (unanswered keepalives, a broken channel message), if it did. */
  get abortError(): Error | undefined { return this.aborted; }
  private aborted: Error | undefined;

  /** The peer broke the protocol (or stopped answering): fail everything and close the transport. */
  private abort(error: Error, reason: number): void {
    if (!this.failure) this.aborted = error;
    this.end(error, error);
    this.channel.close?.(reason, error.message).catch(() => undefined);
  }

  private end(error: Error, reported: Error | undefined): void {
    if (this.failure) return;
    this.failure = error;
    if (this.timer !== undefined) clearInterval(this.timer);
    for (const ch of this.channels.values()) ch.fail(error);
    this.channels.clear();
    for (const o of this.opening.values()) o.reject(error);
    this.opening.clear();
    for (const g of this.globalReplies.splice(0)) g.reject(error);
    this.resolveClosed(reported);
  }

  private channelFor(r: SshReader, msg: number): Channel {
    const id = r.uint32();
    const ch = this.channels.get(id);
    if (!ch) throw new ConnectionError('CHANNEL_UNKNOWN', `The server sent message ${msg} for channel ${id}, which is not open.`);
    return ch;
  }

  /** Handles one message; returns a promise only when it sends a reply (data, window and EOF are synchronous). */
  private dispatch(payload: Uint8Array): Promise<void> | undefined {
    const r = new SshReader(payload);
    const msg = r.byte();
    switch (msg) {
      case MSG.CHANNEL_DATA: { // uint32 recipient, string data
        const ch = this.channelFor(r, msg);
        const data = r.string();
        r.end();
        ch.handleData(data);
        return;
      }
      case MSG.CHANNEL_EXTENDED_DATA: { // uint32 recipient, uint32 data_type_code, string data
        const ch = this.channelFor(r, msg);
        const type = r.uint32();
        const data = r.string();
        r.end();
        ch.handleData(data, type);
        return;
      }
      case MSG.CHANNEL_WINDOW_ADJUST: { // uint32 recipient, uint32 bytes to add
        const ch = this.channelFor(r, msg);
        const n = r.uint32();
        r.end();
        ch.handleWindowAdjust(n);
        return;
      }
      case MSG.CHANNEL_EOF:
      case MSG.CHANNEL_CLOSE: {
        const ch = this.channelFor(r, msg);
        r.end();
        if (msg === MSG.CHANNEL_EOF) ch.handleEof();
        else ch.handleClose();
        return;
      }
      case MSG.CHANNEL_SUCCESS:
      case MSG.CHANNEL_FAILURE: {
        const ch = this.channelFor(r, msg);
        r.end();
        ch.handleReply(msg === MSG.CHANNEL_SUCCESS);
        return;
      }
      case MSG.CHANNEL_REQUEST: { // uint32 recipient, string type, boolean want-reply, type-specific
        const ch = this.channelFor(r, msg);
        const type = r.name();
        const wantReply = r.boolean();
        const ok = ch.handleRequest(type, r.rest());
        if (wantReply) return this.send(new SshWriter().byte(ok ? MSG.CHANNEL_SUCCESS : MSG.CHANNEL_FAILURE).uint32(ch.remoteId).toBytes());
        return;
      }
      case MSG.CHANNEL_OPEN_CONFIRMATION: { // uint32 recipient, uint32 sender, uint32 window, uint32 max packet
        const id = r.uint32();
        const o = this.opening.get(id);
        if (!o) throw new ConnectionError('CHANNEL_UNKNOWN', `The server confirmed channel ${id}, which was never requested.`);
        const remoteId = r.uint32();
        const remoteWindow = r.uint32();
        const remoteMaxPacket = r.uint32();
        this.opening.delete(id);
        if (remoteMaxPacket === 0) throw new ConnectionError('CHANNEL_PROTOCOL', `The server announced a maximum packet of 0 bytes for channel ${id}.`);
        o.resolve({ remoteId, remoteWindow, remoteMaxPacket, localWindow: this.windowSize, localMaxPacket: this.maxPacket });
        return;
      }
      case MSG.CHANNEL_OPEN_FAILURE: { // uint32 recipient, uint32 reason code, string description, string language
        const id = r.uint32();
        const o = this.opening.get(id);
        if (!o) throw new ConnectionError('CHANNEL_UNKNOWN', `The server refused channel ${id}, which was never requested.`);
        const reason = r.uint32();
        const description = r.utf8();
        this.opening.delete(id);
        o.reject(new ChannelOpenError(reason, description, o.type));
        return;
      }
      case MSG.CHANNEL_OPEN: { // string type, uint32 sender, uint32 window, uint32 max packet, ...
        const type = r.name();
        const sender = r.uint32();
        // No forwarding, X11 or agent channels are offered by this client (§5.1: refuse with a reason).
        const reason = ['forwarded-tcpip', 'x11', 'auth-agent@openssh.com'].includes(type)
          ? OPEN_FAILURE_REASON.ADMINISTRATIVELY_PROHIBITED : OPEN_FAILURE_REASON.UNKNOWN_CHANNEL_TYPE;
        return this.send(new SshWriter().byte(MSG.CHANNEL_OPEN_FAILURE).uint32(sender).uint32(reason).string(`${type} channels are not accepted`).string('').toBytes());
      }
      case MSG.GLOBAL_REQUEST: { // string name, boolean want-reply, data
        const name = r.name();
        const wantReply = r.boolean();
        const ok = this.options.onGlobalRequest?.(name, r.rest()) ?? false;
        if (wantReply) return this.send(new SshWriter().byte(ok ? MSG.REQUEST_SUCCESS : MSG.REQUEST_FAILURE).toBytes());
        return;
      }
      case MSG.REQUEST_SUCCESS:
      case MSG.REQUEST_FAILURE: {
        const g = this.globalReplies.shift();
        if (!g) throw new ConnectionError('CHANNEL_PROTOCOL', 'The server answered a global request that was never made.');
        g.resolve({ ok: msg === MSG.REQUEST_SUCCESS, data: r.rest() });
        return;
      }
      default:
        throw new SshProtocolError('CHANNEL_PROTOCOL', `The server sent message ${msg}, which does not belong to the connection protocol.`);
    }
  }
}
