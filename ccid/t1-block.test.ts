// T=1 block vectors (ISO/IEC 7816-3:2006 §11.3). The S(IFS) and S(WTX) vectors are the
// blocks libccid logs when it negotiates IFSD 254 and answers a WTX; LRC is XOR of the prologue and INF.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { T1Error } from './errors.ts';
import { crc16, decodeBlock, encodeBlock } from './t1-block.ts';
import type { T1Block } from './t1-block.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/ /g, ''), 'hex'));

describe('T=1 blocks', () => {
  const vectors: [string, T1Block][] = [
    ['00 c1 01 fe 3e', { kind: 'S', type: 'ifs', response: false, inf: Uint8Array.of(0xfe) }],
    ['00 e1 01 fe 1e', { kind: 'S', type: 'ifs', response: true, inf: Uint8Array.of(0xfe) }],
    ['00 e3 01 01 e3', { kind: 'S', type: 'wtx', response: true, inf: Uint8Array.of(0x01) }],
    ['00 c0 00 c0', { kind: 'S', type: 'resynch', response: false, inf: new Uint8Array(0) }],
    ['00 e2 00 e2', { kind: 'S', type: 'abort', response: true, inf: new Uint8Array(0) }],
    ['00 80 00 80', { kind: 'R', nr: 0, error: 0 }],
    ['00 91 00 91', { kind: 'R', nr: 1, error: 1 }],
    ['00 82 00 82', { kind: 'R', nr: 0, error: 2 }],
    ['00 00 04 00 a4 04 00 a4', { kind: 'I', ns: 0, more: false, inf: h('00a40400') }],
    ['00 60 02 90 00 f2', { kind: 'I', ns: 1, more: true, inf: h('9000') }],
  ];
  for (const [bytes, block] of vectors) {
    it(`${bytes} ⇄ ${block.kind}`, () => {
      expect(hex(encodeBlock(block))).toBe(bytes.replace(/ /g, ''));
      const back = decodeBlock(h(bytes));
      expect({ ...back, ...('inf' in back ? { inf: hex(back.inf) } : {}) }).toEqual({ ...block, ...('inf' in block ? { inf: hex(block.inf) } : {}) });
    });
  }

  it('CRC mode: CRC-16 per ISO/IEC 13239 as libccid computes it (no final XOR, high byte first)', () => {
    expect(crc16(new TextEncoder().encode('123456789'))).toBe(0x6f91);
    const b = encodeBlock({ kind: 'R', nr: 1, error: 0 }, 'crc');
    expect(b.length).toBe(5);
    expect(decodeBlock(b, 'crc')).toEqual({ kind: 'R', nr: 1, error: 0 });
  });

  it('rejects bad EDC, length, reserved bits and unknown S-blocks with T1_BAD_BLOCK', () => {
    for (const bad of ['00 00 04 00 a4 04 00 a5', '00 00 05 00 a4 04 00 a4', '00 01 00 01', '00 c4 00 c4', '00 c1 00 c1', '00 80 01 00 81', '00', '00 00 ff 00']) {
      expect(() => decodeBlock(h(bad)), bad).toThrow(T1Error);
    }
  });

  it('property: decode never throws anything but T1Error, and round-trips what it accepts', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, crc) => {
      const edc = crc ? 'crc' : 'lrc';
      try {
        const block = decodeBlock(bytes, edc);
        expect(hex(encodeBlock(block, edc, bytes[0]))).toBe(hex(bytes));
      } catch (err) {
        if (!(err instanceof T1Error)) throw err;
      }
    }), { numRuns: 3000 });
  });
});
