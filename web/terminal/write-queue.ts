// Flow control between the SSH channel and xterm.js (xterm.js "Flow control" guide: write callbacks
// with high and low watermarks). One batch is in flight at a time; whatever arrives meanwhile goes
// into the next, small chunks joined, so xterm.js parses a few large writes instead of one small write
// per SSH packet (each write costs a parser pass, cursor/scroll events and a timer). Above the high
// watermark the reader is told to wait: it stops reading the channel, the channel stops crediting
// window (RFC 4254 §5.2) and the server slows down, instead of xterm.js buffering without bound.

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
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
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

  /** Queues bytes; returns a promise to await before pushing more when the terminal is behind. */
  push(data: Uint8Array): Promise<void> | undefined {
    if (data.length === 0) return undefined;
    this.batch.push(data);
    this.batchBytes += data.length;
    if (!this.inFlight) this.writeBatch();
    if (this.pending <= this.high) return undefined;
    return new Promise((resolve) => this.resumers.push(resolve));
  }

  /** Resolves once everything pushed so far has been parsed. */
  idle(): Promise<void> {
    if (!this.inFlight) return Promise.resolve();
    return new Promise((resolve) => this.idlers.push(resolve));
  }

  /** Drops what is queued and not yet written (a new session), and releases waiting callers. */
  clear(): void {
    this.batch = [];
    this.batchBytes = 0;
    for (const r of this.resumers.splice(0)) r();
  }

  private writeBatch(): void {
    const pieces = coalesce(this.batch);
    this.inFlightBytes = this.batchBytes;
    this.batch = [];
    this.batchBytes = 0;
    this.inFlight = true;
    const last = pieces.length - 1;
    pieces.forEach((piece, i) => this.sink.write(piece, i === last ? () => this.parsed() : noop));
  }

  private parsed(): void {
    this.inFlight = false;
    this.inFlightBytes = 0;
    if (this.batch.length > 0) this.writeBatch();
    if (this.pending <= this.low) for (const r of this.resumers.splice(0)) r();
    if (!this.inFlight) for (const r of this.idlers.splice(0)) r();
  }
}

const noop = () => undefined;
/** Small chunks are joined up to this size; larger ones go to the terminal as they are (no copy). */
const JOIN_LIMIT = 64 * 1024;

/** Joins runs of small chunks (one SSH packet each, a few KiB) into pieces of up to JOIN_LIMIT bytes. */
function coalesce(chunks: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let run: Uint8Array[] = [];
  let runBytes = 0;
  const flush = () => {
    if (run.length === 1) out.push(run[0]!);
    else if (run.length > 1) {
      const joined = new Uint8Array(runBytes);
      let at = 0;
      for (const c of run) { joined.set(c, at); at += c.length; }
      out.push(joined);
    }
    run = [];
    runBytes = 0;
  };
  for (const c of chunks) {
    if (c.length >= JOIN_LIMIT) { flush(); out.push(c); continue; }
    if (runBytes + c.length > JOIN_LIMIT) flush();
    run.push(c);
    runBytes += c.length;
  }
  flush();
  return out;
}
