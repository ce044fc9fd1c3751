// Flow control between the SSH channel and xterm.js (xterm.js "Flow control" guide: write callbacks
// with high and low watermarks). One batch is in flight at a time; whatever arrives meanwhile goes
// into the next, small chunks joined, so xterm.js parses a few large writes instead of one small write
// per SSH packet (each write costs a parser pass, cursor/scroll events and a timer). Above the high
// watermark the reader is told to wait: it stops reading the channel, the channel stops crediting
// window (RFC 4254 §5.2) and the server slows down, instead of xterm.js buffering without bound.
// Bulk output allocates nothing (fresh memory costs page faults and sweeping at tens of MB/s): a
// large chunk whose owner wants it back (`release`) goes to xterm.js as it is and is released once
// parsed (the SSH worker's output buffers go back to it); other bytes are copied into the queue's
// own 64 KiB buffers, reused once parsed, so the caller may reuse its chunk at once.

export interface WriteSink {
  /** Hands bytes to the terminal; `parsed` runs once it has processed them. */
  write(data: Uint8Array, parsed: () => void): void;
}

export interface WriteQueueOptions {
  /** Pending bytes above which `push` asks the caller to wait. Default 512 KiB. */
  readonly highWaterMark?: number;
  /** Pending bytes at or below which a waiting caller resumes. Default 128 KiB. */
  readonly lowWaterMark?: number;
}

export class WriteQueue {
  private readonly high: number;
  private readonly low: number;
  /** Filled parts of the buffers of the next batch, in order. */
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  /** The buffer being filled (the batch's last), and how far. */
  private current: Uint8Array | undefined;
  private currentAt = 0;
  private currentStart = 0;
  private inFlightBuffers: Uint8Array[] = [];
  private batchBuffers: Uint8Array[] = [];
  private batchReleases: (() => void)[] = [];
  private inFlightReleases: (() => void)[] = [];
  private readonly spare: Uint8Array[] = [];
  private inFlightBytes = 0;
  private inFlight = false;
  private resumers: (() => void)[] = [];
  private idlers: (() => void)[] = [];

  constructor(private readonly sink: WriteSink, options: WriteQueueOptions = {}) {
    this.high = options.highWaterMark ?? 512 * 1024;
    this.low = options.lowWaterMark ?? 128 * 1024;
    if (!(this.low >= 0 && this.high > this.low)) throw new RangeError('the high watermark must be above the low watermark');
  }

  /** Bytes handed over but not yet parsed by the terminal. */
  get pending(): number { return this.batchBytes + this.inFlightBytes; }

  /**
   * Queues bytes; returns a promise to await before pushing more when the terminal is behind.
   * With `release`, a large chunk is kept (not copied) until parsed, then released; otherwise the
   * bytes are copied and `release` runs at once.
   */
  push(data: Uint8Array, release?: () => void): Promise<void> | undefined {
    const length = data.length; // read first: a released chunk may be detached (transferred back)
    if (release && length >= PASS_THROUGH) {
      this.sealCurrent(); // what is already queued goes first
      this.batch.push(data);
      this.batchReleases.push(release);
    } else {
      this.copyIn(data);
      release?.();
    }
    if (length === 0) return undefined;
    this.batchBytes += length;
    if (!this.inFlight) this.writeBatch();
    if (this.pending <= this.high) return undefined;
    return new Promise((resolve) => this.resumers.push(resolve));
  }

  private copyIn(data: Uint8Array): void {
    let at = 0;
    while (at < data.length) {
      if (!this.current || this.currentAt === this.current.length) this.nextBuffer();
      const buf = this.current!;
      const n = Math.min(data.length - at, buf.length - this.currentAt);
      buf.set(n === data.length ? data : data.subarray(at, at + n), this.currentAt);
      this.currentAt += n;
      at += n;
    }
  }

  /** Resolves once everything pushed so far has been parsed. */
  idle(): Promise<void> {
    if (!this.inFlight) return Promise.resolve();
    return new Promise((resolve) => this.idlers.push(resolve));
  }

  /** Drops what is queued and not yet written (a new session), and releases waiting callers. */
  clear(): void {
    this.current = undefined;
    this.recycle(this.batchBuffers);
    for (const r of this.batchReleases.splice(0)) r();
    this.batch = [];
    this.batchBuffers = [];
    this.batchBytes = 0;
    for (const r of this.resumers.splice(0)) r();
  }

  /** Closes the filled part of the current buffer into the batch. */
  private sealCurrent(): void {
    if (this.current && this.currentAt > this.currentStart) this.batch.push(this.current.subarray(this.currentStart, this.currentAt));
    this.currentStart = this.currentAt;
  }

  private nextBuffer(): void {
    this.sealCurrent();
    this.current = this.spare.pop() ?? new Uint8Array(PIECE);
    this.currentAt = 0;
    this.currentStart = 0;
    this.batchBuffers.push(this.current);
  }

  private writeBatch(): void {
    this.sealCurrent();
    const pieces = this.batch;
    this.inFlightBuffers = this.batchBuffers;
    this.inFlightReleases = this.batchReleases;
    this.batchReleases = [];
    this.inFlightBytes = this.batchBytes;
    // The next push starts a fresh buffer: these stay untouched until parsed.
    this.current = undefined;
    this.batch = [];
    this.batchBuffers = [];
    this.batchBytes = 0;
    this.inFlight = true;
    const last = pieces.length - 1;
    pieces.forEach((piece, i) => this.sink.write(piece, i === last ? () => this.parsed() : noop));
  }

  private parsed(): void {
    this.inFlight = false;
    this.inFlightBytes = 0;
    this.recycle(this.inFlightBuffers);
    this.inFlightBuffers = [];
    for (const r of this.inFlightReleases) r();
    this.inFlightReleases = [];
    if (this.batchBytes > 0) this.writeBatch();
    if (this.pending <= this.low) for (const r of this.resumers.splice(0)) r();
    if (!this.inFlight) for (const r of this.idlers.splice(0)) r();
  }

  private recycle(buffers: readonly Uint8Array[]): void {
    for (const b of buffers) if (this.spare.length < MAX_SPARE) this.spare.push(b);
  }
}

const noop = () => undefined;
/** The queue's buffers: each is one terminal write of at most this many bytes. */
const PIECE = 64 * 1024;
/** Chunks from this size on, with a `release`, go to the terminal without a copy. */
const PASS_THROUGH = 32 * 1024;
/**
 * Spare buffers kept: a batch and the one in flight each hold up to the high watermark plus one
 * push (~800 KiB, 13 pieces) under bulk output; fewer spares would mean fresh allocations again.
 */
const MAX_SPARE = 16;
