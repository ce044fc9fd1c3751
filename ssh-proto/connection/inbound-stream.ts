// Data from the peer, handed to a consumer as a ReadableStream, or (`listen`/`take`) as packets arrive with no
// stream, promise or task per packet. Bytes are credited back to the channel window only when the consumer
// takes them (RFC 4254 §5.2), so a slow consumer slows the sender down.

/** A direct consumer of a channel's bytes (InboundSource.listen). Both calls come synchronously, from the packet dispatch. */
export interface InboundListener {
  /** Bytes arrived: `take()` has them. */
  data(): void;
  /** No more bytes will arrive: the peer's EOF or CLOSE (what is left may still be taken), or the connection failed (`error`; nothing is left). */
  end(error?: Error): void;
}

/** A channel's bytes without a ReadableStream. */
export interface InboundSource {
  /** Bytes received and not yet taken. */
  readonly buffered: number;
  /**
   * The oldest chunk not yet taken (its bytes are credited to the channel window now), or undefined when none
   * waits. The chunk may view a buffer the connection does not reuse; it is the caller's.
   */
  take(): Uint8Array | undefined;
  /** Consumes the bytes through `listener` and take(), instead of `readable` (one or the other, once). */
  listen(listener: InboundListener): void;
}

/**
 * Once this many chunks wait and they average under COALESCE_AVERAGE bytes, chunks shorter than COALESCE_BELOW are
 * copied together into shared buffers. The window (RFC 4254 §5.2) bounds bytes, not packets: kept one by one, 2 MiB
 * of 1-byte packets cost over 400 MiB in chunk views and the packet buffers they keep alive while the consumer is not
 * reading. A consumer that keeps up, and bulk data, get each packet's bytes as they came, without a copy: a shell's
 * output through a pty comes in packets just under 4 KiB (the tty layer's buffer), and a consumer that batches
 * (the page's worker posts 256 KiB at a time) lets 64 of them wait; copying those cost the page's SSH worker ~15%.
 * The chunks kept as they came are at most max(COALESCE_AFTER, buffered / COALESCE_AVERAGE) + 1, so still bounded
 * by the window: 2 MiB gives ~2,000, however the packets' sizes alternate.
 */
const COALESCE_AFTER = 64;
const COALESCE_BELOW = 4096;
const COALESCE_AVERAGE = 1024;
const COALESCE_BUFFER = 16384;

export class InboundStream implements InboundSource {
  private readonly chunks: Uint8Array[] = [];
  /** The buffer the last chunk views while small chunks are still being appended to it. */
  private tail: { buf: Uint8Array; used: number } | undefined;
  private bytes = 0;
  private ended = false;
  private failure: Error | undefined;
  private discarding = false;
  private wake: (() => void) | undefined;
  private listener: InboundListener | undefined;
  private stream: ReadableStream<Uint8Array> | undefined;

  /** `consumed(n)` is called as the consumer takes bytes (or as they are discarded after cancel). */
  constructor(private readonly consumed: (n: number) => void) {}

  /** The bytes as a stream (created on first use; not with `listen`). */
  get readable(): ReadableStream<Uint8Array> {
    if (this.listener) throw new TypeError('this channel stream is consumed through listen()');
    this.stream ??= new ReadableStream<Uint8Array>({
      pull: (controller) => this.pull(controller),
      cancel: () => {
        this.discarding = true;
        this.bytes = 0;
        let n = 0;
        for (const c of this.chunks.splice(0)) n += c.length;
        this.tail = undefined;
        if (n) this.consumed(n);
      },
    }, { highWaterMark: 0 });
    return this.stream;
  }

  /** Bytes received but not yet read. */
  get buffered(): number {
    return this.bytes;
  }

  listen(listener: InboundListener): void {
    if (this.stream || this.listener) throw new TypeError('this channel stream already has a consumer');
    this.listener = listener;
    if (this.bytes > 0) listener.data();
    if (this.ended) listener.end(this.failure);
  }

  take(): Uint8Array | undefined {
    const chunk = this.chunks.shift();
    if (!chunk) return undefined;
    if (this.chunks.length === 0) this.tail = undefined; // the taken chunk is the caller's: never written again
    this.bytes -= chunk.length;
    this.consumed(chunk.length);
    return chunk;
  }

  push(data: Uint8Array): void {
    if (this.ended) return;
    if (this.discarding) {
      this.consumed(data.length);
      return;
    }
    const n = this.chunks.length;
    if (data.length < COALESCE_BELOW && n >= COALESCE_AFTER && this.bytes < n * COALESCE_AVERAGE) this.append(data);
    else {
      this.tail = undefined;
      this.chunks.push(data);
    }
    this.bytes += data.length;
    if (this.listener) this.listener.data();
    else this.wake?.();
  }

  /** Copies a small chunk onto the end of the last one (a fresh buffer when there is no room). */
  private append(data: Uint8Array): void {
    let t = this.tail;
    if (!t || t.buf.length - t.used < data.length) {
      t = this.tail = { buf: new Uint8Array(COALESCE_BUFFER), used: 0 };
      this.chunks.push(t.buf.subarray(0, 0));
    }
    const last = this.chunks.length - 1;
    const start = this.chunks[last]!.byteOffset;
    t.buf.set(data, t.used);
    t.used += data.length;
    this.chunks[last] = t.buf.subarray(start, t.used);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.listener?.end();
    this.wake?.();
  }

  error(e: Error): void {
    if (this.ended) return;
    this.failure = e;
    this.ended = true;
    this.chunks.length = 0;
    this.tail = undefined;
    this.bytes = 0;
    this.listener?.end(e);
    this.wake?.();
  }

  private async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    while (this.chunks.length === 0 && !this.ended) await new Promise<void>((r) => { this.wake = r; });
    this.wake = undefined;
    const chunk = this.take();
    if (chunk) {
      controller.enqueue(chunk);
      return;
    }
    if (this.failure) controller.error(this.failure);
    else controller.close();
  }
}
