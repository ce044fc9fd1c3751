// Data from the peer, handed to a consumer as a ReadableStream. Bytes are credited back to the channel
// window only when the consumer reads them (RFC 4254 §5.2), so a slow consumer slows the sender down.

export class InboundStream {
  private readonly chunks: Uint8Array[] = [];
  private ended = false;
  private failure: Error | undefined;
  private discarding = false;
  private wake: (() => void) | undefined;
  readonly readable: ReadableStream<Uint8Array>;

  /** `consumed(n)` is called as the consumer takes bytes (or as they are discarded after cancel). */
  constructor(private readonly consumed: (n: number) => void) {
    this.readable = new ReadableStream<Uint8Array>({
      pull: (controller) => this.pull(controller),
      cancel: () => {
        this.discarding = true;
        let n = 0;
        for (const c of this.chunks.splice(0)) n += c.length;
        if (n) this.consumed(n);
      },
    }, { highWaterMark: 0 });
  }

  /** Bytes received but not yet read. */
  get buffered(): number {
    let n = 0;
    for (const c of this.chunks) n += c.length;
    return n;
  }

  push(data: Uint8Array): void {
    if (this.ended) return;
    if (this.discarding) {
      this.consumed(data.length);
      return;
    }
    this.chunks.push(data);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  error(e: Error): void {
    if (this.ended) return;
    this.failure = e;
    this.ended = true;
    this.chunks.length = 0;
    this.wake?.();
  }

  private async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    while (this.chunks.length === 0 && !this.ended) await new Promise<void>((r) => { this.wake = r; });
    this.wake = undefined;
    const chunk = this.chunks.shift();
    if (chunk) {
      controller.enqueue(chunk);
      this.consumed(chunk.length);
      return;
    }
    if (this.failure) controller.error(this.failure);
    else controller.close();
  }
}
