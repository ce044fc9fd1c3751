// One channel of RFC 4254 §5: flow-control windows both ways, data and extended data, requests, EOF and CLOSE.
import { MSG } from '../messages.ts';
import { SshWriter } from '../wire/index.ts';
import { ConnectionError } from './errors.ts';
import { InboundStream, type InboundSource } from './inbound-stream.ts';

/** What a channel needs from its connection. */
export interface ChannelHost {
  /** `tail`, when given, follows `payload` in the same message (Transport.send). */
  send(payload: Uint8Array, tail?: Uint8Array): Promise<void>;
  /** Both sides sent CLOSE: the local id may be forgotten. */
  release(localId: number): void;
}

export interface ChannelParams {
  localId: number;
  remoteId: number;
  /** Our receive window (what we announced) and our maximum packet. */
  localWindow: number;
  localMaxPacket: number;
  remoteWindow: number;
  remoteMaxPacket: number;
  type: string;
}

/** RFC 4254 §5.2: windows never exceed 2^32 - 1. */
export const MAX_WINDOW = 0xffffffff;
/** Upper bound on the data we put in one packet, whatever the peer announces (OpenSSH uses 32 KiB for sessions). */
export const SEND_CHUNK_MAX = 32768;
/**
 * Bytes `writable` queues before its writers are told to wait (writer.ready / desiredSize): a reader such as stdin
 * can read ahead while the packets before go out, instead of waiting for each chunk to be sent.
 */
export const WRITE_QUEUE_BYTES = 1 << 20;
/** SSH_EXTENDED_DATA_STDERR, RFC 4254 §5.2. */
export const EXTENDED_DATA_STDERR = 1;

export class Channel {
  readonly localId: number;
  readonly remoteId: number;
  readonly type: string;
  private remoteWindow: number;
  private readonly remoteMaxPacket: number;
  private localWindow: number;
  private readonly localWindowMax: number;
  private unacked = 0;
  private windowWaiters: (() => void)[] = [];
  private readonly pendingReplies: { resolve(ok: boolean): void; reject(e: Error): void }[] = [];
  private sentEof = false;
  private sentClose = false;
  private receivedEof = false;
  private receivedClose = false;
  private failure: Error | undefined;
  protected readonly stdoutIn: InboundStream;
  protected readonly stderrIn: InboundStream;
  private resolveClosed!: () => void;
  /** Settles when both sides have sent CLOSE, or the connection ended. */
  readonly closed: Promise<void> = new Promise((r) => { this.resolveClosed = r; });
  /** Incoming channel requests of types a subclass does not handle; return true to answer SUCCESS. */
  onRequest: ((type: string, data: Uint8Array) => boolean) | undefined;

  constructor(protected readonly host: ChannelHost, p: ChannelParams) {
    this.localId = p.localId;
    this.remoteId = p.remoteId;
    this.type = p.type;
    this.remoteWindow = p.remoteWindow;
    this.remoteMaxPacket = p.remoteMaxPacket;
    this.localWindow = p.localWindow;
    this.localWindowMax = p.localWindow;
    this.stdoutIn = new InboundStream((n) => this.credit(n));
    this.stderrIn = new InboundStream((n) => this.credit(n));
  }

  /** Data (stdout for sessions). */
  get readable(): ReadableStream<Uint8Array> {
    return this.stdoutIn.readable;
  }

  /** Extended data of type 1 (stderr for sessions). */
  get readableStderr(): ReadableStream<Uint8Array> {
    return this.stderrIn.readable;
  }

  /**
   * Data as packets arrive, without a ReadableStream (no promise or task per packet): instead of `readable`.
   * Taking bytes credits them to the window, as reading does.
   */
  get source(): InboundSource {
    return this.stdoutIn;
  }

  /** Extended data of type 1 as packets arrive: instead of `readableStderr`. */
  get sourceStderr(): InboundSource {
    return this.stderrIn;
  }

  /** Writing sends CHANNEL_DATA within the peer's window; closing the stream sends EOF. */
  readonly writable: WritableStream<Uint8Array> = new WritableStream<Uint8Array>({
    write: (chunk) => this.write(chunk),
    close: () => this.eof(),
    abort: () => this.eof(),
  }, { highWaterMark: WRITE_QUEUE_BYTES, size: (chunk) => chunk.byteLength });

  // --- sending -------------------------------------------------------------------------

  /**
   * Sends data, waiting for WINDOW_ADJUST whenever the peer's window is used up. `data` is read as it is sent:
   * it must stay unchanged until the promise settles (as a WritableStream's chunk belongs to the stream until written).
   */
  async write(data: Uint8Array, extendedType?: number): Promise<void> {
    let at = 0;
    while (at < data.length) {
      this.checkOpen();
      if (this.sentEof) throw new ConnectionError('CHANNEL_CLOSED', 'Cannot send after end of input on this channel.');
      if (this.remoteWindow === 0) {
        await new Promise<void>((r) => this.windowWaiters.push(r));
        continue;
      }
      const n = Math.min(data.length - at, this.remoteWindow, this.remoteMaxPacket, SEND_CHUNK_MAX);
      this.remoteWindow -= n;
      const piece = data.subarray(at, at + n);
      at += n;
      // byte 94, uint32 recipient, string data  |  byte 95, uint32 recipient, uint32 data_type_code, string data.
      // The data goes as the message's tail: the packet encoder copies it once, into the packet.
      const w = new SshWriter(13).byte(extendedType === undefined ? MSG.CHANNEL_DATA : MSG.CHANNEL_EXTENDED_DATA).uint32(this.remoteId);
      if (extendedType !== undefined) w.uint32(extendedType);
      await this.host.send(w.uint32(n).view(), piece);
    }
  }

  async eof(): Promise<void> {
    if (this.sentEof || this.sentClose || this.failure) return;
    this.sentEof = true;
    await this.host.send(new SshWriter().byte(MSG.CHANNEL_EOF).uint32(this.remoteId).toBytes());
  }

  /** Sends CLOSE (once); the channel is released when the peer's CLOSE arrives too. */
  async close(): Promise<void> {
    if (this.sentClose || this.failure) return this.closed;
    this.sentClose = true;
    this.wakeWriters();
    await this.host.send(new SshWriter().byte(MSG.CHANNEL_CLOSE).uint32(this.remoteId).toBytes());
    if (this.receivedClose) this.finish();
    return this.closed;
  }

  /**
   * SSH_MSG_CHANNEL_REQUEST: byte 98, uint32 recipient, string type, boolean want-reply, type-specific data.
   * With want-reply, resolves true on CHANNEL_SUCCESS and false on CHANNEL_FAILURE (replies come in order, §5.4).
   */
  async request(type: string, data: Uint8Array = new Uint8Array(0), wantReply = true): Promise<boolean> {
    this.checkOpen();
    const payload = new SshWriter().byte(MSG.CHANNEL_REQUEST).uint32(this.remoteId).string(type).boolean(wantReply).raw(data).toBytes();
    if (!wantReply) {
      await this.host.send(payload);
      return true;
    }
    const reply = new Promise<boolean>((resolve, reject) => this.pendingReplies.push({ resolve, reject }));
    reply.catch(() => undefined); // awaited below; a failed send must not leave an unhandled rejection
    await this.host.send(payload);
    return reply;
  }

  private checkOpen(): void {
    if (this.failure) throw this.failure;
    if (this.sentClose || this.receivedClose) throw new ConnectionError('CHANNEL_CLOSED', `The ${this.type} channel is closed.`);
  }

  /** RFC 4254 §5.2: give window back once half of it has been consumed, so the peer never stalls on a fast reader. */
  private credit(n: number): void {
    if (this.sentClose || this.receivedClose || this.failure) return;
    this.unacked += n;
    if (this.unacked >= this.localWindowMax / 2) {
      const adjust = this.unacked;
      this.unacked = 0;
      this.localWindow += adjust;
      // byte 93, uint32 recipient, uint32 bytes to add
      this.host.send(new SshWriter().byte(MSG.CHANNEL_WINDOW_ADJUST).uint32(this.remoteId).uint32(adjust).toBytes()).catch(() => {
        /* the connection reports its own failure */
      });
    }
  }

  // --- receiving (called by the connection's dispatcher) -----------------------------------

  /** @internal */
  handleWindowAdjust(bytes: number): void {
    if (this.remoteWindow + bytes > MAX_WINDOW) {
      throw new ConnectionError('CHANNEL_WINDOW_OVERFLOW', `The server grew channel ${this.localId}'s window beyond 2^32-1 bytes (RFC 4254 §5.2).`);
    }
    this.remoteWindow += bytes;
    this.wakeWriters();
  }

  /** @internal */
  handleData(data: Uint8Array, extendedType?: number): void {
    if (this.receivedEof || this.receivedClose) {
      throw new ConnectionError('CHANNEL_PROTOCOL', `The server sent data on channel ${this.localId} after its end of file.`);
    }
    if (data.length > this.localWindow) {
      throw new ConnectionError('CHANNEL_WINDOW_EXCEEDED',
        `The server sent ${data.length} bytes on channel ${this.localId} with only ${this.localWindow} bytes of window left (RFC 4254 §5.2).`);
    }
    // A packet above our maximum packet size is accepted (OpenSSH only logs it); the window is the hard limit.
    this.localWindow -= data.length;
    if (this.sentClose) return; // late data after our CLOSE: dropped, nobody reads any more
    if (extendedType === undefined) this.stdoutIn.push(data);
    else if (extendedType === EXTENDED_DATA_STDERR) this.stderrIn.push(data);
    else this.credit(data.length); // unknown extended type: discard, but keep the window moving
  }

  /** @internal */
  handleEof(): void {
    this.receivedEof = true;
    this.stdoutIn.end();
    this.stderrIn.end();
  }

  /** @internal */
  handleClose(): void {
    if (this.receivedClose) throw new ConnectionError('CHANNEL_PROTOCOL', `The server closed channel ${this.localId} twice.`);
    this.receivedClose = true;
    this.stdoutIn.end();
    this.stderrIn.end();
    for (const p of this.pendingReplies.splice(0)) p.resolve(false);
    if (this.sentClose) this.finish();
    else void this.close().catch(() => undefined);
  }

  /** @internal */
  handleReply(ok: boolean): void {
    const p = this.pendingReplies.shift();
    if (!p) throw new ConnectionError('CHANNEL_PROTOCOL', `The server answered a request on channel ${this.localId} that was never made.`);
    p.resolve(ok);
  }

  /** @internal Incoming CHANNEL_REQUEST; returns whether to answer SUCCESS (when a reply is wanted). */
  handleRequest(type: string, data: Uint8Array): boolean {
    return this.onRequest?.(type, data) ?? false;
  }

  /** @internal The connection ended: everything pending fails with `error`. */
  fail(error: Error): void {
    if (this.failure || (this.sentClose && this.receivedClose)) return;
    this.failure = error;
    this.stdoutIn.error(error);
    this.stderrIn.error(error);
    for (const p of this.pendingReplies.splice(0)) p.reject(error);
    this.wakeWriters();
    this.resolveClosed();
  }

  private wakeWriters(): void {
    for (const w of this.windowWaiters.splice(0)) w();
  }

  private finish(): void {
    this.host.release(this.localId);
    this.wakeWriters();
    this.resolveClosed();
  }
}
