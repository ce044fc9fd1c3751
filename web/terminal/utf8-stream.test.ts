import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf8Stream, completePrefix } from './utf8-stream.ts';

const strict = new TextDecoder('utf-8', { fatal: true });

describe('UTF-8 split across SSH packets', () => {
  it('holds a partial character until the rest arrives', () => {
    const bytes = new TextEncoder().encode('é€😀');
    const s = new Utf8Stream();
    const pieces: number[] = [];
    for (const b of bytes) pieces.push(s.take(Uint8Array.of(b)).length);
    // é (2 bytes), € (3), 😀 (4): nothing comes out until each character is complete.
    expect(pieces).toEqual([0, 2, 0, 0, 3, 0, 0, 0, 4]);
    expect(s.end().length).toBe(0);
  });

  it('hands on any text split at any points as whole characters, bytes unchanged', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
      const bytes = new TextEncoder().encode(text);
      const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
      const s = new Utf8Stream();
      let out = '';
      let last = 0;
      for (const p of [...points, bytes.length]) {
        out += strict.decode(s.take(bytes.subarray(last, p))); // throws if a piece ends mid-character
        last = p;
      }
      expect(s.end().length).toBe(0);
      expect(out).toBe(text);
    }));
  });

  it('keeps a truncated sequence back and gives it up at the end', () => {
    const s = new Utf8Stream();
    expect([...s.take(Uint8Array.of(0x41, 0xe2, 0x82))]).toEqual([0x41]);
    expect([...s.end()]).toEqual([0xe2, 0x82]);
    expect(s.take(Uint8Array.of(0x42)).length).toBe(1); // a new stream starts clean
  });

  it('passes invalid bytes on without holding them forever', () => {
    expect(completePrefix(Uint8Array.of(0x80, 0x80, 0x80, 0x80))).toBe(4);
    expect(completePrefix(Uint8Array.of(0x41, 0xff))).toBe(2);
    expect(completePrefix(Uint8Array.of(0xf0, 0x9f, 0x98))).toBe(0);
    expect(completePrefix(Uint8Array.of(0xf0, 0x9f, 0x98, 0x80))).toBe(4);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      expect(bytes.length - completePrefix(bytes)).toBeLessThanOrEqual(3);
    }));
  });
});
