import { describe, expect, it } from 'vitest';
import { ReadBuffer } from './read-buffer.ts';

/** Simulates Node's onread loop: fill the current buffer with n bytes, deliver, fetch the next. */
function reader(min: number, max: number) {
  const rb = new ReadBuffer(min, max);
  const gen = rb.onread.buffer as () => Uint8Array;
  let current = gen();
  const seen: Buffer[] = [];
  rb.onChunk = (c) => seen.push(c);
  return {
    rb, seen,
    get current() { return current; },
    read(n: number, fill = 0): void {
      expect(n).toBeLessThanOrEqual(current.length);
      current.fill(fill, 0, n);
      rb.onread.callback(n, current);
      current = gen();
    },
  };
}

describe('ReadBuffer', () => {
  it('reuses one buffer while chunks are not retained', () => {
    const r = reader(16, 1024);
    const first = r.current;
    r.read(5);
    r.read(7);
    expect(r.current).toBe(first);
    expect(r.seen.map((c) => c.length)).toEqual([5, 7]);
  });

  it('grows fourfold on full reads up to max, and falls back to min on small reads', () => {
    const r = reader(16, 1000);
    const sizes = [r.rb.size];
    for (let i = 0; i < 4; i++) { r.read(r.rb.size); sizes.push(r.rb.size); }
    expect(sizes).toEqual([16, 64, 256, 1000, 1000]);
    r.read(100);
    expect(r.rb.size).toBe(1000); // not small enough to shrink
    r.read(3);
    expect(r.rb.size).toBe(16);
  });

  it('never reads into a retained buffer until recycled, then reuses it as a spare', () => {
    const r = reader(16, 16);
    const b0 = r.current;
    r.rb.onChunk = () => r.rb.retain(); // as the session does when a write is still pending
    r.read(16);
    const b1 = r.current;
    r.read(16);
    const b2 = r.current;
    expect(new Set([b0, b1, b2]).size).toBe(3);
    r.rb.recycle(); // the client's socket drained: b0 and b1 are free
    r.read(16);
    expect([b0, b1]).toContain(r.current);
    r.rb.onChunk = () => { /* written through: not retained */ };
    const now = r.current;
    r.read(4);
    expect(r.current).toBe(now);
  });

  it('rejects impossible sizes', () => {
    expect(() => new ReadBuffer(0, 16)).toThrow(RangeError);
    expect(() => new ReadBuffer(32, 16)).toThrow(RangeError);
  });
});
