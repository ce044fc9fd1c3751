// The SSH-2 transport (RFC 4253): version exchange, binary packets, key exchange with strict kex,
// rekeying, and the transport messages. The packet core (PacketEncoder/PacketDecoder, the ciphers,
// the kex methods) is sans-I/O; this class is the thin driver over a ByteStream.
import { DISCONNECT_REASON, MSG } from '../messages.ts';
import { SshError } from '../errors.ts';
import { cryptoBackend } from '../crypto/index.ts';
import { KEX_STRICT_S, type NegotiatedAlgorithms } from './algorithms.ts';
import type { ByteStream } from './byte-stream.ts';
import { newKeys } from './cipher-suite.ts';
import {
  SshDisconnectError, SshTransportError, closedBeforeIdentification, connectionLost, errorCode, unhandledMessage,
} from './errors.ts';
import type { HostKeyInfo, TransportEvent, TransportOptions } from './events.ts';
import { KexRound, Deferred } from './kex-round.ts';
import { createKexMethod } from './kex-methods.ts';
import { clientKexInit, encodeKexInit, guessWasWrong, negotiate, parseKexInit } from './kexinit.ts';
import { exchangeHash } from './key-schedule.ts';
import { PacketDecoder, PacketEncoder, type DecodedPacket } from './packet-protocol.ts';
import { DEFAULT_CLIENT_VERSION, VersionExchange } from './version-exchange.ts';
import { askVerifier, checkExchangeSignature, disconnectReasonFor, equalBytes } from './host-key-check.ts';
import { ExtInfoPlacement } from './ext-info-placement.ts';
import { Inbox } from './inbox.ts';
import { KexTimers } from './kex-timers.ts';
import {
  encodeDisconnect, encodeUnimplemented, isKexMessage, isKexMethodMessage, isTransportGenericMessage, isUpperLayerMessage,
  parseDebug, parseDisconnect, parseExtInfo, parseUnimplemented,
} from './transport-messages.ts';

const GiB = 1024 ** 3;
/** Stop reading from the network while this many messages wait for receive() (backpressure). */
const INBOX_HIGH_WATER = 256;
/** Stop reading from the network while this many received bytes wait to be opened and dispatched. */
const BURST_BYTES = 1 << 20;
/**
 * During a key exchange the feeder reads on past INBOX_HIGH_WATER: the layers above may be waiting for a send that
 * only goes out after our NEWKEYS, which needs the server's kex reply read first. After the server's KEXINIT only
 * kex messages may arrive (RFC 4253 §7.1); what it sent before is bounded by these many bytes waiting in the inbox.
 */
const KEX_INBOX_BYTES = 8 << 20;
/** UNIMPLEMENTED answers not yet written past which the read loop waits for them (a peer that never reads). */
const UNIMPLEMENTED_BACKLOG = 256;
/** Default deadline for a key exchange after the first (TransportOptions.rekeyTimeoutMs). */
const REKEY_TIMEOUT_MS = 60_000;

interface Queued { payload: Uint8Array; tail: Uint8Array | undefined; done: Deferred<void> }

export class Transport {
  sessionId: Uint8Array = new Uint8Array(0);
  serverVersion = '';
  hostKey: HostKeyInfo = { algorithm: '', blob: new Uint8Array(0) };
  algorithms: NegotiatedAlgorithms | undefined;
  /** True when both sides offered strict kex in the first KEXINIT (OpenSSH PROTOCOL §1.10). */
  strictKex = false;
  /** RFC 8308 §3.1 server-sig-algs, undefined until (unless) the server sends EXT_INFO. */
  serverSigAlgs: readonly string[] | undefined;
  readonly closed: Promise<Error | undefined>;
  /** Completed key exchanges, the initial one included. */
  kexCount = 0;

  private readonly clientVersion: string;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private readonly encoder = new PacketEncoder();
  private readonly decoder = new PacketDecoder();
  private writeChain: Promise<void> = Promise.resolve();
  private ended = false;
  private error: Error | undefined;
  private resolveClosed!: (e: Error | undefined) => void;
  private readonly inbox = new Inbox();
  /** Wakes the read loop when the feeder added bytes or the stream ended. */
  private fed: (() => void) | undefined;
  /** Wakes the feeder when the read loop consumed packets or the inbox drained. */
  private feederWake: (() => void) | undefined;
  /** Chunks fed so far (the read loop re-checks the decoder when it changed while it looked). */
  private feeds = 0;
  /** Why the stream ended (raised once every whole packet before it is delivered). */
  private feedEnd: Error | undefined;
  private kex: KexRound | undefined;
  private outQueue: Queued[] = [];
  private bytesSinceKex = 0;
  private readonly timers: KexTimers;
  /** UNIMPLEMENTED answers queued and not yet written. */
  private unimplementedBacklog = 0;
  private readonly firstKex = new Deferred<void>();
  private readonly extInfoPlacement = new ExtInfoPlacement();

  private constructor(stream: ByteStream, private readonly options: TransportOptions) {
    this.clientVersion = options.clientVersion ?? DEFAULT_CLIENT_VERSION;
    this.reader = stream.readable.getReader();
    this.writer = stream.writable.getWriter();
    this.closed = new Promise((r) => { this.resolveClosed = r; });
    this.timers = new KexTimers(options.rekeyAfterMs ?? 3600_000, options.rekeyTimeoutMs ?? REKEY_TIMEOUT_MS, () => this.rekey(),
      (ms) => this.fail(new SshTransportError('REKEY_TIMEOUT', `the server did not complete a key exchange within ${ms} ms`)));
  }

  /** Version exchange + first key exchange; resolves when the first NEWKEYS is done both ways. */
  static async connect(stream: ByteStream, options: TransportOptions): Promise<Transport> {
    const t = new Transport(stream, options);
    const timeoutMs = options.handshakeTimeoutMs ?? 30_000;
    const timer = setTimeout(() => t.fail(new SshTransportError('HANDSHAKE_TIMEOUT',
      `the server did not complete the SSH handshake within ${timeoutMs} ms`)), timeoutMs);
    try {
      await t.start();
      await t.firstKex.promise;
      return t;
    } catch (e) {
      t.fail(e);
      throw t.error ?? e;
    } finally {
      clearTimeout(timer);
    }
  }

  private async start(): Promise<void> {
    // RFC 4253 §4.2: send our identification at once; the server's may follow other lines. Key exchange begins
    // right after it (§7.1; Dropbear does the same): our KEXINIT depends only on our options, so it goes out now,
    // while the server is still starting, not one server banner later.
    void this.writeRaw(new TextEncoder().encode(`${this.clientVersion}\r\n`));
    this.beginKex(true, 'client');
    // Load libsodium's WebAssembly (X25519, ML-KEM, ChaCha20) while the server answers, not after its KEXINIT.
    cryptoBackend().prepare();
    const exchange = new VersionExchange();
    for (;;) {
      const { value, done } = await this.reader.read().catch((e: unknown) => {
        // A server that closes at once (sshd's MaxStartups, a refusal) makes our version line and KEXINIT meet a
        // closed socket (EPIPE, or a reset): that is still a server closing before it identified itself.
        const code = errorCode(e);
        if (code === 'ECONNRESET' || code === 'EPIPE') throw closedBeforeIdentification(` (${code})`);
        throw connectionLost(e, 'receiving');
      });
      if (this.error) throw this.error;
      if (done) throw closedBeforeIdentification('');
      const result = exchange.feed(value);
      if (!result) continue;
      this.serverVersion = result.serverVersion;
      if (result.preBanner.length > 0) this.emit({ type: 'pre-banner', lines: result.preBanner });
      this.decoder.feed(result.rest);
      break;
    }
    void this.readLoop();
  }

  // ---- sending ----

  /**
   * Sends one message payload (5, 6 or >= 50), `payload` then `tail` (bulk data the caller need not copy in first;
   * both must stay unchanged until the promise settles). Queued while a key exchange runs (RFC 4253 §7).
   */
  send(payload: Uint8Array, tail?: Uint8Array): Promise<void> {
    if (this.ended) return Promise.reject(this.endedError());
    const type = payload[0];
    if (type === undefined || (type !== MSG.SERVICE_REQUEST && type !== MSG.SERVICE_ACCEPT && type < 50)) {
      return Promise.reject(new SshTransportError('MESSAGE_NOT_ALLOWED', `message ${type} belongs to the transport layer and is not sent by the layers above`));
    }
    if (this.kex && !this.kex.sentNewKeys) {
      const done = new Deferred<void>();
      this.outQueue.push({ payload, tail, done });
      return done.promise;
    }
    const p = this.sendPacket(payload, tail);
    this.maybeRekey();
    return p;
  }

  private sendPacket(payload: Uint8Array, tail?: Uint8Array): Promise<void> {
    if (this.ended && payload[0] !== MSG.DISCONNECT) return Promise.reject(this.endedError());
    let sealed: Promise<Uint8Array> | Uint8Array;
    try {
      sealed = this.encoder.encode(payload, tail);
    } catch (e) {
      return Promise.reject(e);
    }
    if (sealed instanceof Promise) sealed.catch(() => {});
    this.bytesSinceKex += payload.length + (tail?.length ?? 0);
    return this.writeRaw(sealed);
  }

  /** Writes stay in sequence-number order even when sealing is asynchronous. */
  private writeRaw(bytes: Promise<Uint8Array> | Uint8Array): Promise<void> {
    const p = this.writeChain.then(async () => {
      const b = await bytes;
      try {
        await this.writer.write(b);
      } catch (cause) {
        const err = connectionLost(cause, 'sending');
        // Before the server has identified itself, our version line and KEXINIT may meet a server that already
        // closed: the read side sees that close (EOF, EPIPE or a reset) and start() reports it as CONNECTION_CLOSED.
        if (this.serverVersion !== '') this.fail(err);
        throw err;
      }
    });
    this.writeChain = p.catch(() => {});
    return p;
  }

  private flushQueue(): void {
    const queued = this.outQueue;
    this.outQueue = [];
    for (const q of queued) this.sendPacket(q.payload, q.tail).then(() => q.done.resolve(), (e: unknown) => q.done.reject(e));
  }

  // ---- receiving ----

  /** The next message for the layers above (5, 6 or >= 50). */
  receive(): Promise<Uint8Array> {
    const m = this.tryReceive();
    if (m) return Promise.resolve(m);
    if (this.ended) return Promise.reject(this.endedError());
    return this.inbox.wait();
  }

  /** The next message for the layers above if one already waits (no promise), else undefined. */
  tryReceive(): Uint8Array | undefined {
    const m = this.inbox.take();
    if (m && this.inbox.length === INBOX_HIGH_WATER / 2) this.wakeFeeder();
    return m;
  }

  /**
   * Two loops: the feeder reads the stream and, outside a key exchange, frames and starts opening packets as
   * their bytes arrive (decryption overlaps reading); this loop delivers them in order. During a kex packets are
   * framed one at a time, after the previous one was dispatched, as the packets after a NEWKEYS need the new keys.
   */
  private async readLoop(): Promise<void> {
    void this.feedLoop();
    try {
      for (;;) {
        if (this.ended) return;
        const fedBefore = this.feeds;
        const batch = this.kex ? await this.decoder.next().then((p) => (p ? [p] : [])) : await this.decoder.nextBatch();
        if (batch.length > 0) {
          for (const packet of batch) {
            if (this.ended) return;
            this.bytesSinceKex += packet.payload.length;
            const dispatched = this.dispatch(packet);
            if (dispatched) await dispatched; // only NEWKEYS (the next keys) and an UNIMPLEMENTED backlog wait
          }
          this.maybeRekey(); // received bytes count too (RFC 4253 §9)
          this.wakeFeeder();
          continue;
        }
        if (this.feeds !== fedBefore) continue; // bytes arrived while the decoder looked
        if (this.feedEnd) throw this.feedEnd;
        this.wakeFeeder();
        await new Promise<void>((r) => { this.fed = r; });
      }
    } catch (e) {
      // The stream's own failures arrive typed (feedEnd); anything else came from handling what the server sent.
      this.fail(e instanceof SshError ? e : unhandledMessage(e));
    }
  }

  /** Reads the stream into the decoder, pausing while enough is buffered or the layers above lag behind. */
  private async feedLoop(): Promise<void> {
    try {
      for (;;) {
        while (!this.ended && (this.decoder.bufferedBytes >= BURST_BYTES || this.inboxFull())) {
          await new Promise<void>((r) => { this.feederWake = r; });
        }
        if (this.ended) return;
        const { value, done } = await this.reader.read();
        if (this.ended) return;
        if (done) { this.feedEnd = new SshTransportError('CONNECTION_CLOSED', 'the server closed the connection'); break; }
        this.decoder.feed(value);
        this.feeds++;
        if (!this.kex) this.decoder.frameAhead();
        this.wakeReader();
      }
    } catch (e) {
      this.feedEnd = connectionLost(e, 'receiving');
    }
    this.wakeReader();
  }

  private inboxFull(): boolean {
    return this.inbox.length >= INBOX_HIGH_WATER && (!this.kex || this.inbox.bytes >= KEX_INBOX_BYTES);
  }

  private wakeReader(): void {
    const r = this.fed;
    this.fed = undefined;
    r?.();
  }

  private wakeFeeder(): void {
    const r = this.feederWake;
    this.feederWake = undefined;
    r?.();
  }

  /** Handles one packet; synchronous (no promise, no await per data packet) except NEWKEYS. */
  private dispatch({ seq, payload }: DecodedPacket): Promise<void> | undefined {
    const type = payload[0]!;
    const kex = this.kex;
    if (type === MSG.DISCONNECT) throw parseDisconnect(payload);
    if (kex?.initial && !kex.newKeysReceived.settled) this.checkInitialKexMessage(kex, type);
    if (type === MSG.EXT_INFO) {
      if (!this.extInfoPlacement.extInfoApplies()) return this.sendUnimplemented(seq);
      const { extensions, serverSigAlgs } = parseExtInfo(payload);
      if (serverSigAlgs) this.serverSigAlgs = serverSigAlgs;
      this.emit({ type: 'ext-info', extensions });
      return;
    }
    this.extInfoPlacement.packet(type);
    switch (type) {
      case MSG.IGNORE:
        return;
      case MSG.DEBUG:
        this.emit({ type: 'debug', ...parseDebug(payload) });
        return;
      case MSG.UNIMPLEMENTED: {
        const unimplemented = parseUnimplemented(payload);
        this.emit({ type: 'unimplemented', seq: unimplemented });
        // sshd refuses a rekey before authentication with UNIMPLEMENTED: keep the current keys and carry on.
        if (kex && !kex.initial && !kex.serverKexInit && unimplemented === kex.clientKexInitSeq) this.abandonRekey(kex);
        return;
      }
      case MSG.KEXINIT:
        this.onKexInit(seq, payload);
        return;
      case MSG.NEWKEYS: {
        if (!kex || !kex.replyReceived) throw KexRound.unexpected('SSH_MSG_NEWKEYS');
        return kex.incomingCipher.promise.then((opener) => {
          this.decoder.setOpener(opener);
          if (this.strictKex) this.decoder.seq = 0; // strict kex: reset after every NEWKEYS
          if (kex.initial) this.extInfoPlacement.firstNewKeys();
          kex.newKeysReceived.resolve();
        });
      }
    }
    if (isKexMethodMessage(type)) {
      if (!kex?.serverKexInit || kex.replyReceived) return this.sendUnimplemented(seq);
      if (kex.ignoreNextKexPacket) { kex.ignoreNextKexPacket = false; return; }
      kex.replyReceived = true;
      kex.push(payload);
      return;
    }
    if (type === MSG.SERVICE_REQUEST || type === MSG.SERVICE_ACCEPT || isUpperLayerMessage(type)) {
      // RFC 4253 §7.1: after its KEXINIT the server sends only kex messages until its NEWKEYS.
      if (kex?.serverKexInit && !kex.newKeysReceived.settled) throw KexRound.unexpected(`message ${type}`);
      this.inbox.deliver(payload);
      return;
    }
    return this.sendUnimplemented(seq); // RFC 4253 §11.4
  }

  /**
   * Before the first NEWKEYS nothing is authenticated: only transport-generic (1-4) and kex messages (20, 21, 30-49)
   * are taken, strict kex or not (OpenSSH's kex_protocol_error). Strict kex allows only the kex messages the
   * exchange expects: any other, a second kex reply included, is a violation, not answered (OpenSSH PROTOCOL §1.10).
   */
  private checkInitialKexMessage(kex: KexRound, type: number): void {
    if (this.strictKex) {
      if (!isKexMessage(type)) throw new SshTransportError('STRICT_KEX_VIOLATION', `the server sent message ${type} during the initial strict key exchange`);
      if (isKexMethodMessage(type) && kex.replyReceived) {
        throw new SshTransportError('STRICT_KEX_VIOLATION', `the server sent an unexpected kex message ${type} during the initial strict key exchange`);
      }
    } else if (!isKexMessage(type) && !isTransportGenericMessage(type)) {
      throw new SshTransportError('KEX_UNEXPECTED_MESSAGE', `the server sent message ${type} before the initial key exchange ended`);
    }
  }

  /**
   * RFC 4253 §11.4. Every other reply waits for the layer above; these the transport answers itself, so past
   * UNIMPLEMENTED_BACKLOG unwritten ones the read loop waits for the writes (a peer that floods unknown messages
   * and never reads would otherwise grow our write queue without bound).
   */
  private sendUnimplemented(seq: number): Promise<void> | undefined {
    const written = this.sendPacket(encodeUnimplemented(seq)).catch(() => {}); // a write failure fails the transport
    this.unimplementedBacklog++;
    void written.then(() => { this.unimplementedBacklog--; });
    return this.unimplementedBacklog > UNIMPLEMENTED_BACKLOG ? written : undefined;
  }

  // ---- key exchange ----

  private onKexInit(seq: number, payload: Uint8Array): void {
    let kex = this.kex;
    if (kex?.serverKexInit) throw KexRound.unexpected('a second SSH_MSG_KEXINIT');
    if (!kex) kex = this.beginKex(false, 'server');
    const server = parseKexInit(payload);
    const client = kex.parsedClientKexInit!;
    if (kex.initial) {
      this.strictKex = server.kex.includes(KEX_STRICT_S);
      // Strict kex: the server's KEXINIT must be the first packet it sent.
      if (this.strictKex && seq !== 0) {
        throw new SshTransportError('STRICT_KEX_VIOLATION', 'the server sent other messages before its first SSH_MSG_KEXINIT under strict kex');
      }
    }
    kex.algorithms = negotiate(client, server);
    kex.ignoreNextKexPacket = server.firstKexPacketFollows && guessWasWrong(client, server);
    kex.serverKexInit = payload;
    kex.serverKexInitReceived.resolve();
  }

  private beginKex(initial: boolean, initiatedBy: 'client' | 'server'): KexRound {
    const round = new KexRound(initial, initiatedBy);
    this.kex = round;
    const kexInit = clientKexInit(this.options, initial);
    round.clientKexInit = encodeKexInit(kexInit);
    round.parsedClientKexInit = parseKexInit(round.clientKexInit);
    this.emit({ type: 'kex-start', initial, initiatedBy });
    round.clientKexInitSeq = this.encoder.seq;
    this.sendPacket(round.clientKexInit).catch(() => {});
    if (!initial) this.timers.armDeadline();
    this.wakeFeeder(); // it may be paused on a full inbox: during the kex it reads on (KEX_INBOX_BYTES)
    void this.runKex(round);
    return round;
  }

  private async runKex(round: KexRound): Promise<void> {
    try {
      await round.serverKexInitReceived.promise;
      const algs = round.algorithms!;
      cryptoBackend().prepare(algs);
      const method = createKexMethod(algs.kex);
      await this.sendPacket(await method.init());
      const reply = await method.reply(await round.next());
      const h = await exchangeHash(method.hash, {
        clientVersion: this.clientVersion, serverVersion: this.serverVersion,
        clientKexInit: round.clientKexInit!, serverKexInit: round.serverKexInit!,
        hostKey: reply.hostKey, exchangeValues: reply.exchangeValues, sharedSecret: reply.sharedSecret,
      });
      await this.checkHostKey(round, algs.hostKey, reply.hostKey, reply.signature, h);
      const sessionId = round.initial ? h : this.sessionId;
      const { sealer, opener } = await newKeys(method.hash, reply.sharedSecret, h, sessionId, algs);
      round.incomingCipher.resolve(opener);
      // NEWKEYS goes out under the old keys; everything after it under the new ones (RFC 4253 §7.3).
      const newKeysSent = this.sendPacket(new Uint8Array([MSG.NEWKEYS]));
      const previousSealer = this.encoder.setSealer(sealer);
      if (this.strictKex) this.encoder.seq = 0;
      round.sentNewKeys = true;
      if (round.initial) this.sessionId = h;
      this.flushQueue();
      try {
        await newKeysSent;
      } finally {
        previousSealer.dispose?.(); // NEWKEYS was the last packet sealed with the old keys
      }
      await round.newKeysReceived.promise;
      this.algorithms = algs;
      this.kex = undefined;
      this.timers.clearDeadline();
      this.kexCount++;
      this.bytesSinceKex = 0;
      this.timers.armRekey();
      this.emit({ type: 'kex-done', algorithms: algs, strictKex: this.strictKex, initial: round.initial });
      if (round.initial) this.firstKex.resolve();
    } catch (e) {
      if (e instanceof SshError && e.code === 'KEX_REFUSED' && this.kex !== round) return; // abandoned, see abandonRekey
      round.abort(e);
      this.fail(e);
    }
  }

  private async checkHostKey(round: KexRound, algorithm: string, blob: Uint8Array, signature: Uint8Array, h: Uint8Array): Promise<void> {
    await checkExchangeSignature(algorithm, blob, signature, h);
    if (!round.initial) {
      // RFC 4253 §9 does not allow a new host key in a rekey; OpenSSH refuses it too.
      if (!equalBytes(blob, this.hostKey.blob)) throw new SshTransportError('HOST_KEY_CHANGED_ON_REKEY', 'the server presented a different host key during a rekey');
      return;
    }
    const info = { algorithm, blob };
    await askVerifier(() => this.options.verifyHostKey(info));
    this.hostKey = info;
  }

  // ---- rekeying (RFC 4253 §9) ----

  private maybeRekey(): void {
    if (this.kex || this.ended) return;
    if (this.bytesSinceKex >= (this.options.rekeyAfterBytes ?? GiB)) this.rekey();
  }

  /** Starts a client-initiated key exchange now (no-op while one runs). Data keeps flowing across it. */
  rekey(): void {
    if (this.kex || this.ended) return;
    this.beginKex(false, 'client');
  }

  private abandonRekey(round: KexRound): void {
    round.abort(new SshTransportError('KEX_REFUSED', 'the server refused to rekey now'));
    this.kex = undefined;
    this.timers.clearDeadline();
    this.emit({ type: 'kex-refused' });
    this.flushQueue();
    this.timers.armRekey();
  }

  // ---- ending ----

  /** Sends DISCONNECT (when still possible) and closes the stream. */
  async close(reason: number = DISCONNECT_REASON.BY_APPLICATION, description = ''): Promise<void> {
    if (this.ended) return;
    this.sendDisconnect(reason, description);
    this.finish(undefined);
    await this.closed;
  }

  private sendDisconnect(reason: number, description: string): void {
    this.sendPacket(encodeDisconnect(reason, description)).catch(() => {});
  }

  /** Ends the transport with an error, telling the server why when the stream still works. */
  private fail(e: unknown): void {
    if (this.ended) return;
    const err = e instanceof Error ? e : new SshTransportError('TRANSPORT_FAILED', String(e));
    if (!(err instanceof SshDisconnectError) && !(err instanceof SshError && (err.code === 'CONNECTION_CLOSED' || err.code === 'CONNECTION_LOST'))) {
      this.sendDisconnect(disconnectReasonFor(err), err.message);
    }
    this.finish(err);
  }

  private finish(err: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.error = err;
    this.timers.stop();
    const ended = this.endedError();
    this.inbox.rejectWaiting(ended);
    for (const q of this.outQueue) q.done.reject(ended);
    this.outQueue = [];
    this.kex?.abort(ended);
    if (!this.firstKex.settled) this.firstKex.reject(ended);
    this.wakeFeeder();
    this.wakeReader();
    const chain = this.writeChain;
    void (async () => {
      // Let a queued DISCONNECT reach the wire, for at most a second; the timer must not outlive it
      // (in Node a pending timer keeps the process alive after the session ends).
      let grace: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([chain, new Promise((r) => { grace = setTimeout(r, 1000); })]);
      clearTimeout(grace);
      await this.writer.close().catch(() => {});
      await this.reader.cancel().catch(() => {});
      // The session is over: wipe the keys in use (the DISCONNECT above was sealed when it was queued).
      this.encoder.dispose();
      this.decoder.dispose();
    })();
    this.resolveClosed(err);
  }

  private endedError(): Error {
    return this.error ?? new SshTransportError('TRANSPORT_CLOSED', 'the SSH connection is closed');
  }

  private emit(event: TransportEvent): void {
    try { this.options.onEvent?.(event); } catch { /* a listener's failure is not the connection's */ }
  }
}
