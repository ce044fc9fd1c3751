import { describe, expect, it } from 'vitest';
import { BULK_FRAME_BYTES, MAX_PACED_FRAME_BYTES, ReadPacing, STREAM_MS } from './read-pacing.ts';

describe('ReadPacing', () => {
  it('never pauses small frames (interactive traffic), however close together', () => {
    const p = new ReadPacing(1);
    for (let t = 0; t < 100; t += 0.1) expect(p.afterFrame(BULK_FRAME_BYTES - 1, 16384, t)).toBe(0);
  });

  it('lets the first bulk frame of a burst go at once, then pauses after each bulk frame of the stream', () => {
    const p = new ReadPacing(1);
    expect(p.afterFrame(4096, 16384, 100)).toBe(0);
    expect(p.afterFrame(4096, 16384, 100.5)).toBe(1);
    expect(p.afterFrame(20000, 65536, 102)).toBe(1);
    // Frames as large as MAX_PACED_FRAME_BYTES already amortise their cost: a fast stream is never paused.
    expect(p.afterFrame(MAX_PACED_FRAME_BYTES, 262144, 102.5)).toBe(0);
    // A bulk frame long after the last one starts a new burst.
    expect(p.afterFrame(4096, 16384, 102.5 + STREAM_MS + 1)).toBe(0);
  });

  it('never pauses after a read that filled its buffer (the sender outpaces the relay), nor when off', () => {
    const p = new ReadPacing(1);
    expect(p.afterFrame(16384, 16384, 0)).toBe(0);
    expect(p.afterFrame(16384, 16384, 0.1)).toBe(0);
    expect(p.afterFrame(65536, 65536, 0.2)).toBe(0);
    const off = new ReadPacing(0);
    expect(off.afterFrame(4096, 16384, 0)).toBe(0);
    expect(off.afterFrame(4096, 16384, 0.1)).toBe(0);
  });
});
