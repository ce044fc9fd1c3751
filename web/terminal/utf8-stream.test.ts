import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf8Stream } from './utf8-stream.ts';

describe('UTF-8 split across SSH packets', () => {
  it('holds a partial character until the rest arrives', () => {
    const bytes = new TextEncoder().encode('é€😀');
    const s = new Utf8Stream();
    let out = '';
    for (const b of bytes) out += s.decode(Uint8Array.of(b));
    expect(out + s.end()).toBe('é€😀');
  });

  it('decodes any text split at any points exactly as the whole', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
      const bytes = new TextEncoder().encode(text);
      const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
      const s = new Utf8Stream();
      let out = '';
      let last = 0;
      for (const p of [...points, bytes.length]) { out += s.decode(bytes.subarray(last, p)); last = p; }
      expect(out + s.end()).toBe(text);
    }));
  });

  it('turns a truncated sequence at the end into U+FFFD', () => {
    const s = new Utf8Stream();
    expect(s.decode(Uint8Array.of(0x41, 0xe2, 0x82))).toBe('A');
    expect(s.end()).toBe('\ufffd');
  });
});
