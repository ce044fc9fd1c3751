import { describe, expect, it } from 'vitest';
import { WriteQueue } from './write-queue.ts';

/** A terminal stand-in that parses when told to (xterm.js itself is exercised in tests/web). */
function slowTerminal() {
  const writes: Uint8Array[] = [];
  const callbacks: (() => void)[] = [];
  return {
    writes,
    sink: { write(data: Uint8Array, parsed: () => void) { writes.push(data); callbacks.push(parsed); } },
    /** Parses the oldest write (its callback runs). */
    parseOne() { callbacks.shift()?.(); },
  };
}

describe('terminal write queue (xterm.js flow control)', () => {
  it('keeps one write in flight and joins what arrives meanwhile into the next', () => {
    const t = slowTerminal();
    const q = new WriteQueue(t.sink);
    q.push(Uint8Array.of(1));
    q.push(Uint8Array.of(2, 3));
    q.push(Uint8Array.of(4));
    expect(t.writes.map((w) => [...w])).toEqual([[1]]);
    t.parseOne();
    expect(t.writes.map((w) => [...w])).toEqual([[1], [2, 3, 4]]);
    expect(q.pending).toBe(3);
  });

  it('asks the reader to wait above the high watermark and resumes it at the low one', async () => {
    const t = slowTerminal();
    const q = new WriteQueue(t.sink, { highWaterMark: 10, lowWaterMark: 4 });
    expect(q.push(new Uint8Array(6))).toBeUndefined();
    const wait = q.push(new Uint8Array(6));
    expect(wait).toBeInstanceOf(Promise);
    let resumed = false;
    void wait!.then(() => { resumed = true; });
    t.parseOne(); // the first 6 bytes parsed; 6 still pending: above the low watermark
    await Promise.resolve();
    expect(resumed).toBe(false);
    t.parseOne();
    await Promise.resolve();
    expect(resumed).toBe(true);
    expect(q.pending).toBe(0);
  });

  it('idle() settles once everything pushed is parsed, in order', async () => {
    const t = slowTerminal();
    const q = new WriteQueue(t.sink);
    await q.idle();
    q.push(Uint8Array.of(1));
    q.push(Uint8Array.of(2));
    let idle = false;
    void q.idle().then(() => { idle = true; });
    t.parseOne();
    await Promise.resolve();
    expect(idle).toBe(false);
    t.parseOne();
    await Promise.resolve();
    expect(idle).toBe(true);
  });

  it('passes large chunks on without copying and joins only runs of small ones', () => {
    const t = slowTerminal();
    const q = new WriteQueue(t.sink, { highWaterMark: 1 << 22, lowWaterMark: 1 << 20 });
    q.push(Uint8Array.of(0));
    const big = new Uint8Array(100_000);
    q.push(Uint8Array.of(1));
    q.push(Uint8Array.of(2));
    q.push(big);
    q.push(Uint8Array.of(3));
    t.parseOne();
    expect(t.writes.length).toBe(4);
    expect([...t.writes[1]!]).toEqual([1, 2]);
    expect(t.writes[2]).toBe(big);
    expect([...t.writes[3]!]).toEqual([3]);
    // Only the batch's last write reports back: the queue stays one batch in flight.
    t.parseOne();
    t.parseOne();
    expect(q.pending).toBe(100_003);
    t.parseOne();
    expect(q.pending).toBe(0);
  });

  it('rejects watermarks the wrong way round', () => {
    expect(() => new WriteQueue(slowTerminal().sink, { highWaterMark: 4, lowWaterMark: 4 })).toThrow(RangeError);
  });
});
