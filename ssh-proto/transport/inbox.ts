// The messages for the layers above (5, 6 and >= 50) that the read loop delivered and receive() has not taken yet,
// and the receive() calls waiting for the next one. Its size is the transport's backpressure signal.
import { Deferred } from './kex-round.ts';

export class Inbox {
  private messages: Uint8Array[] = [];
  private waiting: Deferred<Uint8Array>[] = [];
  /** Bytes of the messages kept. */
  bytes = 0;

  /** Messages kept. */
  get length(): number {
    return this.messages.length;
  }

  /** Hands `payload` to the oldest waiting receive(), or keeps it. */
  deliver(payload: Uint8Array): void {
    const w = this.waiting.shift();
    if (w) { w.resolve(payload); return; }
    this.messages.push(payload);
    this.bytes += payload.length;
  }

  /** The oldest message kept, if any. */
  take(): Uint8Array | undefined {
    const m = this.messages.shift();
    if (m) this.bytes -= m.length;
    return m;
  }

  /** The next message delivered (call when take() found none). */
  wait(): Promise<Uint8Array> {
    const d = new Deferred<Uint8Array>();
    this.waiting.push(d);
    return d.promise;
  }

  /** Rejects every waiting receive(): the transport ended. */
  rejectWaiting(e: Error): void {
    for (const w of this.waiting) w.reject(e);
    this.waiting = [];
  }
}
