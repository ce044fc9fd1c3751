// Session output to a pipe or a file without blocking the event loop. Node writes process.stdout to a pipe
// synchronously on Linux: each 32 KiB write waited for the reader (`| wc -c`, `| tar x`) while no SSH packet was
// read or decrypted meanwhile (~15% of a transfer's main-thread time, bench/ssh/throughput.ts). Here the writes run
// on libuv's thread pool, one writev at a time, joining what queued up meanwhile, so decryption and writing
// overlap as they do in OpenSSH's ssh (non-blocking stdout).
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
  /** Set when a write failed (EPIPE: the reader went away); later writes are dropped. */
  error: NodeJS.ErrnoException | undefined;

  constructor(private readonly fd: number) {}

  /** A writer for `fd` when it is a pipe or a regular file (a terminal or a socket keeps Node's own stream). */
  static forPipeOrFile(fd: number): FdWriter | undefined {
    try {
      const s = fstatSync(fd);
      return s.isFIFO() || s.isFile() ? new FdWriter(fd) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Queues `chunk` (kept by reference: the caller must not change it). False when the caller should await `drained()`. */
  write(chunk: Uint8Array): boolean {
    if (this.error) return false;
    this.queue.push(chunk);
    this.queued += chunk.length;
    this.pump();
    return this.queued < HIGH_WATER;
  }

  /** Resolves once the queue fell below the high-water mark, or the writer failed. */
  drained(): Promise<void> {
    return this.until(() => this.queued < HIGH_WATER || this.error !== undefined);
  }

  /** Resolves once everything queued is written, or the writer failed. */
  flushed(): Promise<void> {
    return this.until(() => (this.queued === 0 && !this.writing) || this.error !== undefined);
  }

  private until(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => { if (done()) resolve(); else this.waiters.push(check); };
      this.waiters.push(check);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private pump(): void {
    if (this.writing || this.queue.length === 0 || this.error) return;
    const batch = this.queue.splice(0, MAX_BUFFERS);
    this.writing = true;
    writev(this.fd, batch, (err, written) => {
      this.writing = false;
      if (err?.code === 'EAGAIN') { // someone set the descriptor non-blocking: try again shortly
        this.queue.unshift(...batch);
        setTimeout(() => this.pump(), 1);
        return;
      }
      if (err) {
        this.error = err;
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

  /** A short write (a signal, a full disk) leaves the rest of the batch at the head of the queue. */
  private requeueUnwritten(batch: Uint8Array[], written: number): void {
    let skip = written;
    let i = 0;
    while (i < batch.length && skip >= batch[i]!.length) skip -= batch[i++]!.length;
    if (i === batch.length) return;
    this.queue.unshift(batch[i]!.subarray(skip), ...batch.slice(i + 1));
  }
}
