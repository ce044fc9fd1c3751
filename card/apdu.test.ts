import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeApdu, parseResponse } from './apdu.ts';
import { CardInputError, MalformedResponseError } from './errors.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('APDU encoding (ISO/IEC 7816-4 §5.1)', () => {
  it('encodes the four short cases', () => {
    expect(hex(encodeApdu({ cla: 0, ins: 0x20, p1: 0, p2: 0x80 }, false))).toBe('00200080');
    expect(hex(encodeApdu({ cla: 0, ins: 0xfd, p1: 0, p2: 0, le: 256 }, false))).toBe('00fd000000');
    expect(hex(encodeApdu({ cla: 0, ins: 0x20, p1: 0, p2: 0x80, data: Uint8Array.of(0x31, 0x32) }, false))).toBe('00200080023132');
    // SELECT PIV as SP 800-73-4 Part 2 §3.1.1 shows it, with Le = 00.
    expect(hex(encodeApdu({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: Buffer.from('a000000308000010000100', 'hex'), le: 256 }, false)))
      .toBe('00a404000ba00000030800001000010000');
  });

  it('encodes the extended cases with 00 and two-byte lengths', () => {
    expect(hex(encodeApdu({ cla: 0, ins: 0xca, p1: 0, p2: 0x6e, le: 65536 }, true))).toBe('00ca006e000000');
    expect(hex(encodeApdu({ cla: 0, ins: 0x88, p1: 0, p2: 0, data: new Uint8Array(300), le: 65536 }, true)).slice(0, 14)).toBe('0088000000012c');
    expect(encodeApdu({ cla: 0, ins: 0x88, p1: 0, p2: 0, data: new Uint8Array(300), le: 65536 }, true).length).toBe(4 + 3 + 300 + 2);
    expect(hex(encodeApdu({ cla: 0, ins: 0x88, p1: 0, p2: 0, data: new Uint8Array(300) }, true)).length).toBe((4 + 3 + 300) * 2);
    // Short forms stay short even when extended is allowed.
    expect(hex(encodeApdu({ cla: 0, ins: 0xfd, p1: 0, p2: 0, le: 3 }, true))).toBe('00fd000003');
  });

  it('refuses what cannot be encoded, with a typed error', () => {
    expect(() => encodeApdu({ cla: 0, ins: 1, p1: 0, p2: 0, data: new Uint8Array(256) }, false)).toThrow(CardInputError);
    expect(() => encodeApdu({ cla: 0, ins: 1, p1: 0, p2: 0, le: 257 }, false)).toThrow(CardInputError);
    expect(() => encodeApdu({ cla: 256, ins: 1, p1: 0, p2: 0 }, true)).toThrow(CardInputError);
    expect(() => encodeApdu({ cla: 0, ins: 1, p1: 0, p2: 0, le: 0 }, true)).toThrow(CardInputError);
  });

  it('parses responses and rejects ones without status bytes', () => {
    expect(parseResponse(Uint8Array.of(1, 2, 0x90, 0x00))).toEqual({ data: Uint8Array.of(1, 2), sw: 0x9000 });
    expect(() => parseResponse(Uint8Array.of(0x90))).toThrow(MalformedResponseError);
  });

  it('encodes any valid command into a length consistent with its case (property)', () => {
    fc.assert(fc.property(
      fc.uint8Array({ maxLength: 600 }), fc.option(fc.integer({ min: 1, max: 65536 }), { nil: undefined }),
      (data, le) => {
        const cmd = { cla: 0, ins: 0xcb, p1: 0x3f, p2: 0xff, ...(data.length ? { data } : {}), ...(le ? { le } : {}) };
        const bytes = encodeApdu(cmd, true);
        const ext = data.length > 255 || (le ?? 0) > 256;
        const expected = 4 + (data.length ? (ext ? 3 : 1) + data.length : 0) + (le ? (ext ? (data.length ? 2 : 3) : 1) : 0);
        expect(bytes.length).toBe(expected);
      }));
  });
});
