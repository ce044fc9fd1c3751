// The binary packet protocol (RFC 4253 §6), sans-I/O: the encoder turns payloads into wire bytes,
// the decoder turns received bytes into payloads. Sequence numbers are uint32 and wrap (§6.4).
import { randomBytes } from '../crypto/index.ts';
import { SshTransportError } from './errors.ts';
import { NoneCipher, writeUint32, type PacketOpener, type PacketSealer } from './packet-cipher.ts';

/**
 * Largest packet_length we accept. RFC 4253 §6.1 only requires 35000 bytes; OpenSSH refuses more than
 * 256 KiB (PACKET_MAX_SIZE), and so do we: a bigger length is a corrupt stream or a memory attack.
 */
export const MAX_PACKET_LENGTH = 256 * 1024;
/** Largest payload we send: the packet cap minus padding_length, padding and a MAC (RFC 4253 §6.1). */
export const MAX_PAYLOAD_LENGTH = MAX_PACKET_LENGTH - 1 - 255 - 64;

export interface DecodedPacket { seq: number; payload: Uint8Array }

export class PacketEncoder {
  private sealer: PacketSealer = new NoneCipher();
  /** Sequence number of the next packet sent. */
  seq = 0;

  /** Wipes the keys in use (the connection is over). */
  dispose(): void {
    this.sealer.dispose?.();
  }

  /** Takes the next keys; returns the ones replaced, for the caller to dispose once what it sealed with them is sent. */
  setSealer(sealer: PacketSealer): PacketSealer {
    const previous = this.sealer;
    this.sealer = sealer;
    return previous;
  }

  /**
   * Frames, pads, encrypts and authenticates one payload: `payload`, then `tail` if given (a message's bulk data,
   * copied once, straight into the packet). Both are read now, as is the sequence number taken.
   */
  encode(payload: Uint8Array, tail?: Uint8Array): Promise<Uint8Array> | Uint8Array {
    const length = payload.length + (tail?.length ?? 0);
    if (payload.length === 0) throw new SshTransportError('MESSAGE_TOO_LARGE', 'an SSH message needs at least its message number');
    if (length > MAX_PAYLOAD_LENGTH) {
      throw new SshTransportError('MESSAGE_TOO_LARGE', `a ${length}-byte message exceeds the ${MAX_PAYLOAD_LENGTH}-byte limit`);
    }
    const { blockSize, lengthExcludedFromAlignment } = this.sealer;
    // RFC 4253 §6: at least 4 bytes of padding; the aligned part is a multiple of the block size.
    const aligned = 1 + length + (lengthExcludedFromAlignment ? 0 : 4);
    let padding = blockSize - (aligned % blockSize);
    if (padding < 4) padding += blockSize;
    const packetLength = 1 + length + padding;
    // With sealInPlace the packet is built with room for the tag and sealed where it lies.
    const inPlace = this.sealer.sealInPlace;
    const wire = new Uint8Array(4 + packetLength + (inPlace ? this.sealer.tagLength : 0));
    writeUint32(wire, 0, packetLength);
    wire[4] = padding;
    wire.set(payload, 5);
    if (tail) wire.set(tail, 5 + payload.length);
    wire.set(randomBytes(padding), 5 + length);
    const seq = this.seq;
    this.seq = (this.seq + 1) >>> 0;
    if (!inPlace) return this.sealer.seal(seq, wire);
    inPlace(seq, wire);
    return wire;
  }
}

/** RFC 4253 §6: padding is 4..255 bytes, and the payload has at least its message number. */
function unpad(plain: Uint8Array, length: number, seq: number): DecodedPacket {
  const padding = plain[0]!;
  if (padding < 4 || padding > length - 2) {
    throw new SshTransportError('PACKET_BAD_PADDING', `a packet has ${padding} bytes of padding in ${length} (needs 4 or more, and a payload)`);
  }
  return { seq, payload: plain.subarray(1, length - padding) };
}

/** A packet framed ahead and being opened (PacketDecoder.frameAhead). */
interface Opening {
  readonly seq: number;
  readonly wireBytes: number;
  settled: boolean;
  packet?: DecodedPacket;
  error?: unknown;
  promise?: Promise<void>;
}

export class PacketDecoder {
  private opener: PacketOpener = new NoneCipher();
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  /** An error found while batching, raised after the packets before it are delivered. */
  private deferred: unknown;
  /** packet_length of the packet being read, once known. */
  private pendingLength: number | undefined;
  /** Packets framed ahead, in sequence order, each being opened (settled when its plaintext or error is known). */
  private opening: Opening[] = [];
  private openingBytes = 0;
  /** Sequence number of the next packet received. */
  seq = 0;

  /** Wipes the keys in use (the connection is over). */
  dispose(): void {
    this.opener.dispose?.();
  }

  /**
   * Takes the next keys and wipes the replaced ones: every packet under them has been opened by now, since nothing is
   * framed ahead while a NEWKEYS may be buffered (frameAhead).
   */
  setOpener(opener: PacketOpener): void {
    const previous = this.opener;
    this.opener = opener;
    if (previous !== opener) previous.dispose?.();
  }

  /** Bytes received and not yet delivered: unframed, or framed and still being opened. */
  get bufferedBytes(): number {
    return this.buffered + this.openingBytes;
  }

  feed(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const last = this.chunks.length - 1;
    const prev = this.chunks[last];
    // Read right after the previous chunk into the same memory (cli/slab-reads.ts): one view of both, so a packet
    // across the two is opened in place instead of joined into a copy.
    if (prev && prev.buffer === chunk.buffer && prev.byteOffset + prev.length === chunk.byteOffset) {
      this.chunks[last] = new Uint8Array(prev.buffer, prev.byteOffset, prev.length + chunk.length);
    } else {
      this.chunks.push(chunk);
    }
    this.buffered += chunk.length;
  }

  /**
   * Frames every whole buffered packet and starts opening it now, when the cipher allows it (`parallel`):
   * WebCrypto runs on other threads, and keeping several packets in flight while more bytes arrive is what makes
   * AES-GCM fast. The results are delivered in order by `nextBatch()`/`next()`. The caller must not call this
   * while a NEWKEYS may be among the buffered packets (during a key exchange): the packets after it need the
   * next keys. A framing error is kept and raised after the packets before it.
   */
  frameAhead(): void {
    const o = this.opener;
    if (!o.parallel || this.deferred) return;
    try {
      for (;;) {
        if (this.pendingLength === undefined) {
          if (this.buffered < o.lengthBytes) return;
          const length = o.packetLength(this.seq, this.peek(o.lengthBytes)) as number;
          this.checkLength(length, o);
          this.pendingLength = length;
        }
        const total = 4 + this.pendingLength + o.tagLength;
        if (this.buffered < total) return;
        const length = this.pendingLength;
        this.pendingLength = undefined;
        const seq = this.seq;
        this.seq = (this.seq + 1) >>> 0;
        this.start(seq, length, total, o);
      }
    } catch (e) {
      this.deferred = e;
    }
  }

  /** Opens one framed packet: synchronously when the cipher is synchronous, else as a job settling later. */
  private start(seq: number, length: number, total: number, o: PacketOpener): void {
    let job: Opening;
    try {
      const opened = this.openNext(seq, total, o);
      if (opened instanceof Uint8Array) {
        job = { seq, wireBytes: total, settled: true, packet: unpad(opened, length, seq) };
      } else {
        const pending: Opening = { seq, wireBytes: total, settled: false };
        const reject = (e: unknown) => { pending.error = e; pending.settled = true; };
        pending.promise = opened.then((plain) => { pending.packet = unpad(plain, length, seq); pending.settled = true; }, reject).then(undefined, reject);
        job = pending;
      }
    } catch (e) {
      job = { seq, wireBytes: total, settled: true, error: e };
    }
    this.opening.push(job);
    this.openingBytes += total;
  }

  /** The first framed-ahead packet (waiting for it), then every one after it that is already open. */
  private async takeOpened(max: number): Promise<DecodedPacket[]> {
    const first = this.opening[0]!;
    if (!first.settled) await first.promise;
    const out: DecodedPacket[] = [];
    while (out.length < max) {
      const job = this.opening[0];
      if (!job?.settled) break;
      this.opening.shift();
      this.openingBytes -= job.wireBytes;
      if (job.error !== undefined || !job.packet) {
        // The packets before a bad one still count; nothing after it does.
        this.opening = [];
        this.openingBytes = 0;
        if (out.length === 0) throw job.error;
        this.deferred = job.error;
        break;
      }
      out.push(job.packet);
    }
    return out;
  }

  private raiseDeferred(): void {
    if (this.deferred) { const e = this.deferred; this.deferred = undefined; throw e; }
  }

  /** The next whole packet, or undefined when more bytes are needed. Throws typed errors only. */
  async next(): Promise<DecodedPacket | undefined> {
    if (this.opening.length > 0) return (await this.takeOpened(1))[0];
    this.raiseDeferred();
    const o = this.opener;
    if (this.pendingLength === undefined) {
      if (this.buffered < o.lengthBytes) return undefined;
      const length = await o.packetLength(this.seq, this.peek(o.lengthBytes));
      this.checkLength(length, o);
      this.pendingLength = length;
    }
    const total = 4 + this.pendingLength + o.tagLength;
    if (this.buffered < total) return undefined;
    const length = this.pendingLength;
    this.pendingLength = undefined;
    const plain = await this.openNext(this.seq, total, o);
    const seq = this.seq;
    this.seq = (this.seq + 1) >>> 0;
    return unpad(plain, length, seq);
  }

  /**
   * Whole packets in order (up to `max`): those framed ahead, else every one already buffered, opened
   * concurrently when the cipher allows it. Same rule as `frameAhead()`: not while a NEWKEYS may be buffered.
   */
  async nextBatch(max = 64): Promise<DecodedPacket[]> {
    if (this.opening.length === 0) {
      this.raiseDeferred();
      if (!this.opener.parallel) { const p = await this.next(); return p ? [p] : []; }
      this.frameAhead();
      if (this.opening.length === 0) { this.raiseDeferred(); return []; }
    }
    return this.takeOpened(max);
  }

  private checkLength(length: number, o: PacketOpener): void {
    if (length > MAX_PACKET_LENGTH) {
      throw new SshTransportError('PACKET_TOO_LARGE', `the server announced a ${length}-byte packet; the limit is ${MAX_PACKET_LENGTH} (the stream is corrupt or hostile)`);
    }
    const aligned = o.lengthExcludedFromAlignment ? length : length + 4;
    const minimum = Math.max(1 + 1 + 4, o.lengthBytes - 4);
    if (length < minimum || aligned % o.blockSize !== 0) {
      throw new SshTransportError('PACKET_BAD_LENGTH', `a packet length of ${length} is invalid for block size ${o.blockSize} (RFC 4253 §6)`);
    }
  }

  /** Opens the next `total` buffered bytes; a packet spread over several reads goes to `openParts` unjoined. */
  private openNext(seq: number, total: number, o: PacketOpener): Promise<Uint8Array> | Uint8Array {
    const first = this.chunks[0]!;
    if (first.length >= total || !o.openParts) return o.open(seq, this.take(total));
    const parts: Uint8Array[] = [];
    let left = total;
    while (left > 0) {
      const c = this.chunks[0]!;
      if (c.length <= left) { parts.push(c); this.chunks.shift(); left -= c.length; }
      else { parts.push(c.subarray(0, left)); this.chunks[0] = c.subarray(left); left = 0; }
    }
    this.buffered -= total;
    return o.openParts(seq, parts, total);
  }

  private peek(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    return this.gather(n, false);
  }

  private take(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    return this.gather(n, true);
  }

  /** Copies the first n buffered bytes into one array, consuming them when asked. */
  private gather(n: number, consume: boolean): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    let i = 0;
    while (at < n) {
      const c = this.chunks[i]!;
      const k = Math.min(c.length, n - at);
      out.set(c.subarray(0, k), at);
      at += k;
      if (consume) {
        if (k === c.length) { this.chunks.shift(); continue; }
        this.chunks[i] = c.subarray(k);
      }
      i++;
    }
    if (consume) this.buffered -= n;
    return out;
  }
}
