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

  it('copies into its own 64 KiB pieces, so the caller may reuse its chunk at once', () => {
    const t = slowTerminal();
    const q = new WriteQueue(t.sink, { highWaterMark: 1 << 22, lowWaterMark: 1 << 20 });
    q.push(Uint8Array.of(0));
    const big = new Uint8Array(100_000).map((_, i) => i & 0xff);
    q.push(Uint8Array.of(1));
    q.push(Uint8Array.of(2));
    q.push(big);
    big.fill(0xee); // the caller's buffer is free once push returns
    q.push(Uint8Array.of(3));
    t.parseOne();
    // 1, 2, the 100 000 bytes and 3 fill one 64 KiB piece and most of the next.
    expect(t.writes.length).toBe(3);
    expect(t.writes[1]!.length).toBe(65_536);
    expect(t.writes[2]!.length).toBe(100_003 - 65_536);
    const joined = new Uint8Array([...t.writes[1]!, ...t.writes[2]!]);
    expect([...joined.subarray(0, 4)]).toEqual([1, 2, 0, 1]);
    expect(joined[2 + 99_999]).toBe(99_999 & 0xff);
    expect(joined.at(-1)).toBe(3);
    // Only the batch's last write reports back: the queue stays one batch in flight.
    t.parseOne();
    expect(q.pending).toBe(100_003);
    t.parseOne();
    expect(q.pending).toBe(0);
  });

  it('passes a large chunk with a release on without copying, and releases it once parsed', () => {
    const t = slowTerminal();
    const q = new WriteQueue(t.sink, { highWaterMark: 1 << 22, lowWaterMark: 1 << 20 });
    q.push(Uint8Array.of(0));
    let released = 0;
    let smallReleased = 0;
    const big = new Uint8Array(40_000);
    q.push(Uint8Array.of(1), () => { smallReleased++; }); // small: copied, released at once
    expect(smallReleased).toBe(1);
    q.push(big, () => { released++; });
    q.push(Uint8Array.of(2));
    t.parseOne(); // the first write parsed; the batch [1], big, [2] goes out
    expect(t.writes.length).toBe(4);
    expect([...t.writes[1]!]).toEqual([1]);
    expect(t.writes[2]).toBe(big);
    expect([...t.writes[3]!]).toEqual([2]);
    expect(released).toBe(0);
    t.parseOne();
    t.parseOne();
    expect(released).toBe(0); // the batch reports back with its last write
    t.parseOne();
    expect(released).toBe(1);
    expect(q.pending).toBe(0);
  });

  it('counts a copied chunk even when its release detaches it (a buffer transferred back to the worker)', () => {
    const t = slowTerminal();
    const q = new WriteQueue(t.sink);
    const chunk = Uint8Array.of(7, 8, 9);
    q.push(chunk, () => { structuredClone(chunk.buffer, { transfer: [chunk.buffer] }); });
    expect(chunk.length).toBe(0); // detached
    expect([...t.writes[0]!]).toEqual([7, 8, 9]);
    expect(q.pending).toBe(3);
  });

  it('reuses parsed buffers for later output, never one still in flight', () => {
    const t = slowTerminal();
    const q = new WriteQueue(t.sink);
    q.push(Uint8Array.of(1, 2, 3));
    q.push(Uint8Array.of(4)); // the next batch: another buffer
    expect(t.writes[0]!.buffer).not.toBe(undefined);
    t.parseOne(); // batch 1 parsed: its buffer is spare; batch 2 goes out
    expect([...t.writes[1]!]).toEqual([4]);
    expect(t.writes[1]!.buffer).not.toBe(t.writes[0]!.buffer);
    q.push(Uint8Array.of(5)); // waits behind batch 2, in the spare buffer of batch 1
    expect([...t.writes[1]!]).toEqual([4]);
    t.parseOne();
    expect([...t.writes[2]!]).toEqual([5]);
    expect(t.writes[2]!.buffer).toBe(t.writes[0]!.buffer);
  });

  it('clear() drops what waits behind the write in flight, and later output still goes out', () => {
    const t = slowTerminal();
    const q = new WriteQueue(t.sink);
    q.push(Uint8Array.of(1));
    q.push(Uint8Array.of(2));
    q.clear();
    expect(q.pending).toBe(1);
    t.parseOne();
    expect(t.writes.length).toBe(1);
    expect(q.pending).toBe(0);
    q.push(Uint8Array.of(3));
    expect([...t.writes[1]!]).toEqual([3]);
  });

  it('rejects watermarks the wrong way round', () => {
    expect(() => new WriteQueue(slowTerminal().sink, { highWaterMark: 4, lowWaterMark: 4 })).toThrow(RangeError);
  });
});
