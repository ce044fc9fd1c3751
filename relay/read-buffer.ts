// Reading the target's TCP socket into reused buffers (net.Socket `onread`) instead of the
// stream default, which allocates a fresh 64 KiB Buffer per read and pushes it through the
// Readable machinery; at bulk rates those allocations and the garbage collector cost more
// CPU than the relaying itself.
//
// Each read becomes one WebSocket frame, handed to `ws.send` without a copy, so a buffer
// may be read into again only once its frame has been written to the client's socket.
// When a write does not complete at once (the client is slow), the session calls
// `retain()` and the next read goes into another buffer: a spare, or a new one. Retained
// buffers become spares again once the client's socket has nothing queued (`recycle()`).
// The session copies small chunks instead of retaining them (see Session.toClient), so
// retained buffers hold at most twice the bytes queued for the client.
//
// The size adapts. Small reads (interactive SSH: a few hundred bytes) go into one buffer
// shared by all sessions and are copied out at once, so an idle session holds no buffer of
// its own. A read that fills it moves the session to its own buffer, four times larger,
// which grows fourfold again on each full read up to `max` (bounded by the maximum frame
// size and the high-water mark); a small read (interactive: an echo, a prompt) moves it back
// to the shared buffer. Bulk output's reads of one SSH packet or a few (a pty gives sshd about
// 4 KiB per read; the read pacing makes most reads larger) keep it: under `cat` about a third of
// the reads were below the shared size, and moving back on each of them dropped the buffer and
// allocated it again some 12 times per MB, and the external memory drove full garbage
// collections in the relay.
import type { OnReadOpts } from 'node:net';

/** The shared buffer's size: reads up to this much are copied out. */
const SHARED_SIZE = 16 * 1024;
const shared = Buffer.allocUnsafeSlow(SHARED_SIZE);

/** A read below this is interactive: the session goes back to the shared buffer. */
const SMALL_READ = 2 * 1024;

/** Spare buffers kept per session; more are left to the garbage collector. */
const MAX_SPARES = 2;

export class ReadBuffer {
  /** The smallest read size: the shared buffer (or less, for a small max). */
  private readonly min: number;
  private readonly sharedView: Buffer;
  private buffer: Buffer;
  private retained = false;
  private lastRead = 0;
  private held: Buffer[] = [];
  private spares: Buffer[] = [];
  /**
   * Receives each chunk read. When `reused` is true the chunk lives in a buffer that the
   * next read overwrites unless retain() is called; otherwise it is a copy of its own.
   */
  onChunk: (chunk: Buffer, reused: boolean) => void = () => { /* replaced by the session */ };

  constructor(private readonly max: number) {
    if (!(max > 0)) throw new RangeError(`the read buffer size must be positive (got ${max})`);
    this.min = Math.min(SHARED_SIZE, max);
    this.sharedView = shared.subarray(0, this.min);
    this.buffer = this.sharedView;
  }

  /** The size the next read may fill. */
  get size(): number {
    return this.buffer.length;
  }

  /** The last chunk is still referenced by a pending write: read the next one elsewhere. */
  retain(): void {
    if (this.buffer !== this.sharedView) this.retained = true;
  }

  /** Nothing is queued for the client any more: every retained buffer is free again. */
  recycle(): void {
    for (const b of this.held) if (this.spares.length < MAX_SPARES && b.length === this.buffer.length) this.spares.push(b);
    this.held = [];
  }

  /** Options for net.connect: read into these buffers and pass each chunk to onChunk. */
  readonly onread: OnReadOpts = {
    buffer: () => this.next(),
    callback: (n: number, buf: Uint8Array) => {
      this.lastRead = n;
      const view = Buffer.from(buf.buffer, buf.byteOffset, n);
      if (buf === this.sharedView) this.onChunk(Buffer.from(view), false);
      else this.onChunk(view, true);
      return true;
    },
  };

  private next(): Buffer {
    const size = this.buffer.length;
    let want = size;
    if (this.lastRead === size && size < this.max) want = Math.min(size * 4, this.max);
    else if (this.lastRead > 0 && this.lastRead < SMALL_READ && size > this.min) want = this.min;
    if (this.retained) this.held.push(this.buffer);
    this.retained = false;
    if (want === this.min) {
      this.spares = [];
      this.buffer = this.sharedView;
    } else if (want !== size) {
      this.spares = [];
      this.buffer = Buffer.allocUnsafe(want);
    } else if (this.buffer === this.held.at(-1)) {
      this.buffer = this.spares.pop() ?? Buffer.allocUnsafe(want);
    }
    return this.buffer;
  }
}
