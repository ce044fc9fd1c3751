import { describe, expect, it } from 'vitest';
import type { InboundListener, InboundSource } from '../../ssh-proto/index.ts';
import { OutputPump } from './output-pump.ts';
import { OUTPUT_BATCH, OUTPUT_BUFFER, OUTPUT_CREDIT, type FromWorker } from './worker-protocol.ts';

/** A channel's output as ssh-proto hands it over: `taken` counts the bytes credited to the SSH window. */
class FakeSource implements InboundSource {
  chunks: Uint8Array[] = [];
  taken = 0;
  listener: InboundListener | undefined;
  get buffered() { return this.chunks.reduce((n, c) => n + c.length, 0); }
  take() { const c = this.chunks.shift(); if (c) this.taken += c.length; return c; }
  listen(l: InboundListener) { this.listener = l; }
  push(n: number, fill = 1) { this.chunks.push(new Uint8Array(n).fill(fill)); this.listener!.data(); }
  end(error?: Error) { if (error) this.chunks = []; this.listener!.end(error); }
}

function pump() {
  const posted: { m: FromWorker; transfer: Transferable[] }[] = [];
  const p = new OutputPump((m, transfer) => posted.push({ m, transfer }));
  const out = () => posted.flatMap(({ m }) => (m.t === 'out' ? [m.data] : []));
  return { p, posted, out };
}

describe('OutputPump (SSH worker output to the page)', () => {
  it('posts to an idle page at once, joins output while the page holds a message, and sends it on the ack', () => {
    const { p, out, posted } = pump();
    const src = new FakeSource();
    p.add(src, 'stdout');
    src.push(100, 1);
    expect(out().map((d) => d.length)).toEqual([100]); // interactive: at once
    expect(posted[0]!.transfer).toEqual([out()[0]!.buffer]);
    src.push(4096, 2);
    src.push(4096, 3);
    expect(out()).toHaveLength(1); // the page has not acked: joined, and not taken (no SSH window credited)
    expect(src.taken).toBe(100);
    p.ack(100);
    expect(out().map((d) => d.length)).toEqual([100, 8192]);
    expect([out()[1]![0], out()[1]![4096]]).toEqual([2, 3]);
    expect(src.taken).toBe(8292);
  });

  it('sends a full batch without waiting for the ack, and never beyond the credit', () => {
    const { p, out } = pump();
    const src = new FakeSource();
    p.add(src, 'stdout');
    src.push(10);
    const chunk = 32 * 1024;
    for (let i = 0; i < (OUTPUT_CREDIT * 2) / chunk; i++) src.push(chunk);
    const sent = out().reduce((n, d) => n + d.length, 0);
    // Batches of OUTPUT_BATCH while the page holds earlier ones; then the credit stops the taking.
    expect(out().slice(1).every((d) => d.length === OUTPUT_BATCH)).toBe(true);
    expect(sent).toBeLessThanOrEqual(OUTPUT_CREDIT + chunk);
    expect(src.taken).toBe(sent);
    expect(src.buffered).toBeGreaterThan(OUTPUT_CREDIT / 2);
    p.ack(sent); // the page caught up: the rest goes, in batches
    expect(src.buffered).toBe(0);
    expect(out().reduce((n, d) => n + d.length, 0)).toBe(10 + OUTPUT_CREDIT * 2);
  });

  it('reuses the buffers the page gives back', () => {
    const { p, out } = pump();
    const src = new FakeSource();
    p.add(src, 'stdout');
    src.push(10);
    const first = out()[0]!.buffer as ArrayBuffer;
    expect(first.byteLength).toBe(OUTPUT_BUFFER);
    p.recycle(first);
    p.ack(10);
    src.push(20);
    expect(out()[1]!.buffer).toBe(first);
  });

  it("ends each stream after its last bytes ('out-end'), also when the last bytes wait for credit", () => {
    const { p, posted } = pump();
    const [a, b] = [new FakeSource(), new FakeSource()];
    p.add(a, 'stdout');
    p.add(b, 'stderr');
    for (let i = 0; i < OUTPUT_CREDIT / OUTPUT_BATCH + 2; i++) a.push(OUTPUT_BATCH);
    a.end();
    expect(posted.some(({ m }) => m.t === 'out-end')).toBe(false); // bytes still wait for the page's credit
    b.end(new Error('connection lost'));
    expect(posted.at(-1)!.m).toEqual({ t: 'out-end', stream: 'stderr' });
    p.ack(OUTPUT_CREDIT);
    p.ack(OUTPUT_CREDIT);
    const kinds = posted.map(({ m }) => (m.t === 'out' ? `${m.t} ${m.stream}` : m.t === 'out-end' ? `end ${m.stream}` : m.t));
    expect(kinds.at(-1)).toBe('end stdout');
    expect(a.buffered).toBe(0);
  });
});
