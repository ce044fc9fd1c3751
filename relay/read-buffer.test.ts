import { describe, expect, it } from 'vitest';
import { ReadBuffer } from './read-buffer.ts';

const K = 1024;

/** Emulates Node's onread loop: fill the current buffer with n bytes, deliver, fetch the next. */
function reader(max: number) {
  const rb = new ReadBuffer(max);
  const gen = rb.onread.buffer as () => Uint8Array;
  let current = gen();
  const seen: { chunk: Buffer; reused: boolean }[] = [];
  rb.onChunk = (chunk, reused) => { seen.push({ chunk, reused }); };
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
  it('copies small reads out of the buffer all sessions share', () => {
    const a = reader(256 * K);
    const b = reader(256 * K);
    expect(a.current.buffer).toBe(b.current.buffer); // no buffer of their own while idle
    a.read(100, 0xaa);
    b.read(100, 0xbb); // overwrites the shared memory
    expect(a.seen[0]!.reused).toBe(false);
    expect(a.seen[0]!.chunk.equals(Buffer.alloc(100, 0xaa))).toBe(true);
  });

  it('grows fourfold on full reads up to max, reuses its own buffer, and returns to the shared one on small reads', () => {
    const r = reader(300 * K);
    const sizes = [r.rb.size];
    for (let i = 0; i < 4; i++) { r.read(r.rb.size); sizes.push(r.rb.size); }
    expect(sizes).toEqual([16 * K, 64 * K, 256 * K, 300 * K, 300 * K]);
    const own = r.current;
    r.read(20 * K);
    expect(r.current).toBe(own); // not small enough to shrink, and not retained: reused
    expect(r.seen.at(-1)!.reused).toBe(true);
    // Bulk output's reads of an SSH packet or a few, below the shared size, keep it too.
    for (const n of [4 * K + 100, 12 * K, 2 * K]) r.read(n);
    expect(r.current).toBe(own);
    r.read(2 * K - 1); // interactive
    expect(r.rb.size).toBe(16 * K);
    expect(r.seen.at(-1)!.reused).toBe(true); // that read was still in its own buffer
    r.read(10);
    expect(r.seen.at(-1)!.reused).toBe(false);
  });

  it('never reads into a retained buffer until recycled, then reuses it as a spare', () => {
    const r = reader(64 * K);
    r.read(16 * K); // full: on to a 64 KiB buffer of its own
    const b0 = r.current;
    r.rb.onChunk = () => r.rb.retain(); // as the session does while a write is pending
    r.read(64 * K);
    const b1 = r.current;
    r.read(64 * K);
    const b2 = r.current;
    expect(new Set([b0, b1, b2]).size).toBe(3);
    r.rb.recycle(); // the client's socket drained: b0 and b1 are free
    r.read(64 * K);
    expect([b0, b1]).toContain(r.current);
    r.rb.onChunk = () => { /* written through: not retained */ };
    const now = r.current;
    r.read(64 * K);
    expect(r.current).toBe(now);
  });

  it('stays on the shared buffer, copying, when the maximum frame size is that small', () => {
    const r = reader(4 * K);
    r.read(4 * K);
    r.read(4 * K);
    expect(r.rb.size).toBe(4 * K);
    expect(r.seen.every((s) => !s.reused)).toBe(true);
  });

  it('rejects an impossible size', () => {
    expect(() => new ReadBuffer(0)).toThrow(RangeError);
  });
});
