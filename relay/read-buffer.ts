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
// The size adapts: it starts small (interactive SSH reads are a few hundred bytes, and
// idle sessions should cost little memory), grows fourfold whenever a read fills it, up
// to `max` (bounded by the maximum frame size and the high-water mark), and falls back to
// `min`, dropping the larger buffers, when reads are small again.
import type { OnReadOpts } from 'node:net';

/** Spare buffers kept per session; more are left to the garbage collector. */
const MAX_SPARES = 2;

export class ReadBuffer {
  private buffer: Buffer;
  private retained = false;
  private lastRead = 0;
  private held: Buffer[] = [];
  private spares: Buffer[] = [];
  /** Receives each chunk read; the chunk is valid only until the next read unless retained. */
  onChunk: (chunk: Buffer) => void = () => { /* replaced by the session */ };

  constructor(private readonly min: number, private readonly max: number) {
    if (!(min > 0 && max >= min)) throw new RangeError(`read buffer sizes must satisfy 0 < min <= max (got ${min}, ${max})`);
    this.buffer = Buffer.allocUnsafe(min);
  }

  /** The size the next read may fill. */
  get size(): number {
    return this.buffer.length;
  }

  /** The last chunk is still referenced by a pending write: read the next one elsewhere. */
  retain(): void {
    this.retained = true;
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
      this.onChunk(Buffer.from(buf.buffer, buf.byteOffset, n));
      return true;
    },
  };

  private next(): Buffer {
    const size = this.buffer.length;
    let want = size;
    if (this.lastRead === size && size < this.max) want = Math.min(size * 4, this.max);
    else if (this.lastRead > 0 && this.lastRead < this.min && size > this.min) want = this.min;
    if (this.retained) this.held.push(this.buffer);
    if (want !== size) {
      this.spares = [];
      this.buffer = Buffer.allocUnsafe(want);
    } else if (this.retained) {
      this.buffer = this.spares.pop() ?? Buffer.allocUnsafe(want);
    }
    this.retained = false;
    return this.buffer;
  }
}
