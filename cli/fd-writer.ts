// Session output to a pipe or a file without blocking the event loop or spending its time. Node's own stream for a
// pipe writes on the main thread (it sets the pipe non-blocking and waits in epoll when it is full): the copies into
// the pipe took ~15% of a transfer's main-thread time, while no SSH packet was read or decrypted
// (bench/ssh/throughput.ts). Here the writes run on libuv's thread pool, one writev at a time, joining what queued up
// meanwhile, so decryption and writing overlap.
// The descriptor must stay blocking: a thread-pool write to a full non-blocking pipe fails with EAGAIN, and nothing
// tells the pool when it drains. So the caller must not create Node's stream for it: reading `process.stdout.isTTY`
// does, and sets O_NONBLOCK on the pipe (use tty.isatty). When another process sharing the pipe set it non-blocking
// anyway, what is queued and all later output go to Node's stream, which waits for the pipe in epoll.
import { fstatSync, writev } from 'node:fs';
import type { OutputSink } from './output-pump.ts';

/** The queue size above which `write` asks the caller to wait (`drained`). */
const HIGH_WATER = 4 * 1024 * 1024;
/** Buffers per writev (Linux IOV_MAX is 1024). */
const MAX_BUFFERS = 1024;

export class FdWriter implements OutputSink {
  private queue: Uint8Array[] = [];
  private queued = 0;
  private writing = false;
  private waiters: (() => void)[] = [];
  private failure: NodeJS.ErrnoException | undefined;
  /** Node's stream for the descriptor, once a write found it non-blocking: it takes all output from then on. */
  private handedTo: OutputSink | undefined;

  /** `nonBlocking` gives Node's stream for `fd`, created only if a write finds the descriptor non-blocking (EAGAIN). */
  constructor(private readonly fd: number, private readonly nonBlocking: () => OutputSink) {}

  /** A writer for `fd` when it is a pipe or a regular file (a terminal or a socket keeps Node's own stream). */
  static forPipeOrFile(fd: number, nonBlocking: () => OutputSink): FdWriter | undefined {
    try {
      const s = fstatSync(fd);
      return s.isFIFO() || s.isFile() ? new FdWriter(fd, nonBlocking) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Set when a write failed (EPIPE: the reader went away); later writes are dropped. */
  get error(): Error | undefined {
    return this.handedTo ? this.handedTo.error : this.failure;
  }

  /** True once output goes through Node's stream (the descriptor was found non-blocking). */
  get handedOver(): boolean {
    return this.handedTo !== undefined;
  }

  /** Queues `chunk` (kept by reference: the caller must not change it). False when the caller should await `drained()`. */
  write(chunk: Uint8Array): boolean {
    if (this.handedTo) return this.handedTo.write(chunk);
    if (this.failure) return false;
    this.queue.push(chunk);
    this.queued += chunk.length;
    this.pump();
    return this.queued < HIGH_WATER;
  }

  /** Resolves once the queue fell below the high-water mark, or the writer failed. */
  drained(): Promise<void> {
    if (this.handedTo) return this.handedTo.drained();
    return this.until(() => this.queued < HIGH_WATER || this.failure !== undefined);
  }

  /** Resolves once everything queued is written, or the writer failed. */
  flushed(): Promise<void> {
    if (this.handedTo) return this.handedTo.flushed();
    return this.until(() => (this.queued === 0 && !this.writing) || this.failure !== undefined);
  }

  dispose(): void {
    this.handedTo?.dispose?.();
  }

  private until(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      // After a handover the wait is the stream's.
      const check = () => { if (this.handedTo || done()) resolve(); else this.waiters.push(check); };
      this.waiters.push(check);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private pump(): void {
    if (this.writing || this.queue.length === 0 || this.failure) return;
    const batch = this.queue.splice(0, MAX_BUFFERS);
    this.writing = true;
    writev(this.fd, batch, (err, written) => {
      this.writing = false;
      if (err?.code === 'EAGAIN') {
        this.handOver(batch);
        return;
      }
      if (err) {
        this.failure = err;
        this.queue = [];
        this.queued = 0;
      } else {
        this.queued -= written;
        this.requeueUnwritten(batch, written);
        this.pump();
      }
      this.wake();
    });
  }

  /** The descriptor is non-blocking: what is queued, `batch` first, and all later output go to Node's stream. */
  private handOver(batch: Uint8Array[]): void {
    const sink = this.nonBlocking();
    this.handedTo = sink;
    for (const chunk of [...batch, ...this.queue]) sink.write(chunk);
    this.queue = [];
    this.queued = 0;
    this.wake();
  }

  /** A short write (a signal, a full disk) leaves the rest of the batch at the head of the queue. */
  private requeueUnwritten(batch: Uint8Array[], written: number): void {
    let skip = written;
    let i = 0;
    while (i < batch.length && skip >= batch[i]!.length) skip -= batch[i++]!.length;
    if (i === batch.length) return;
    this.queue.unshift(batch[i]!.subarray(skip), ...batch.slice(i + 1));
  }
}
