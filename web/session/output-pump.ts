// Shell output from the SSH channel to the page (ssh-worker.ts), in batches within a byte credit
// (worker-protocol.ts). The channel tells the pump as each packet is dispatched (ssh-proto's
// InboundSource: no stream read, promise or task per packet); the pump takes the bytes, which credits
// them to the SSH window (RFC 4254 §5.2), only as it posts them, and never beyond the page's credit:
// a page that falls behind stops the taking, and so the window, and so the server.
// Batching: a page that holds no output gets each packet at once (interactive echo); while it still
// holds an earlier message (no ack yet), output waits and is joined, up to OUTPUT_BATCH, so a busy page
// gets a few large messages instead of one per SSH packet (each message is a task on the page's main
// thread, a stream read and an ack back).
import type { InboundSource } from '../../ssh-proto/index.ts';
import { OUTPUT_BATCH, OUTPUT_BUFFER, OUTPUT_CREDIT, type FromWorker } from './worker-protocol.ts';

type Stream = 'stdout' | 'stderr';

interface Output {
  readonly source: InboundSource;
  readonly stream: Stream;
  ended: boolean;
  endPosted: boolean;
}

/** Out at once: the credit's worth (OUTPUT_CREDIT / OUTPUT_BUFFER, ~3) plus the terminal's queue (~3). */
const MAX_SPARE_BUFFERS = 8;

export class OutputPump {
  /** Bytes the page may still be sent before it acks some. */
  private credit = OUTPUT_CREDIT;
  private readonly outputs: Output[] = [];
  /**
   * Output buffers the page gave back once the terminal parsed (or copied) them: filling a fresh
   * transferred buffer per message cost page faults and sweeping on both threads.
   */
  private readonly spareBuffers: ArrayBuffer[] = [];

  constructor(private readonly post: (message: FromWorker, transfer: Transferable[]) => void) {}

  /** Forwards `source` as `stream` until it ends; 'out-end' follows its last bytes. */
  add(source: InboundSource, stream: Stream): void {
    const out: Output = { source, stream, ended: false, endPosted: false };
    this.outputs.push(out);
    source.listen({
      data: () => this.flush(out, false),
      end: () => { out.ended = true; this.flush(out, false); },
    });
  }

  /** The page took `n` bytes: more may be sent, and what waited is sent now. */
  ack(n: number): void {
    this.credit = Math.min(OUTPUT_CREDIT, this.credit + n);
    for (const out of this.outputs) this.flush(out, true);
  }

  /** A buffer of an earlier message, given back by the page. */
  recycle(buffer: ArrayBuffer): void {
    if (buffer.byteLength === OUTPUT_BUFFER && this.spareBuffers.length < MAX_SPARE_BUFFERS) this.spareBuffers.push(buffer);
  }

  /** Posts what waits in `out`: at once when the page holds nothing or `acked`, else once a batch is full. */
  private flush(out: Output, acked: boolean): void {
    let send = acked || this.credit >= OUTPUT_CREDIT;
    while (this.credit > 0 && out.source.buffered > 0 && (send || out.source.buffered >= OUTPUT_BATCH)) {
      this.postBatch(out);
      send = acked;
    }
    if (out.ended && !out.endPosted && out.source.buffered === 0) {
      out.endPosted = true;
      this.post({ t: 'out-end', stream: out.stream }, []);
    }
  }

  /** Takes up to a batch (and no more than the credit, bar the first chunk) and posts it as one message. */
  private postBatch(out: Output): void {
    const chunks: Uint8Array[] = [];
    let size = 0;
    while (size < OUTPUT_BATCH && size < this.credit) {
      const chunk = out.source.take();
      if (!chunk) break;
      chunks.push(chunk);
      size += chunk.length;
    }
    // A copy: the chunks view the received packets' buffers; the copy's buffer is transferred (and
    // given back by the page: 'recycle').
    const data = size > OUTPUT_BUFFER ? new Uint8Array(size) : new Uint8Array(this.spareBuffers.pop() ?? new ArrayBuffer(OUTPUT_BUFFER), 0, size);
    let at = 0;
    for (const c of chunks) { data.set(c, at); at += c.length; }
    this.credit -= size;
    this.post({ t: 'out', stream: out.stream, data }, [data.buffer]);
  }
}
