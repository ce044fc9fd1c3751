// ATR parser (ISO/IEC 7816-3 §8) on real cards' ATRs, checked byte by byte with pcsc-tools'
// ATR_analysis and its smartcard_list.txt (see tests/ccid/atr-analysis.test.ts).
import { describe, expect, it } from 'vitest';
import { parseAtr, parseHex } from './atr.ts';
import { AtrError } from './errors.ts';

const atr = (h: string) => parseAtr(parseHex(h));

describe('parseAtr', () => {
  it('YubiKey 5: T=1 only, TA1 13, IFSC 254, BWI 1 CWI 5, compact-TLV history, TCK 40', () => {
    const a = atr('3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 40');
    expect(a.convention).toBe('direct');
    expect(a.protocols).toEqual([1]);
    expect(a.defaultProtocol).toBe(1);
    expect([a.ta1, a.fi, a.di]).toEqual([0x13, 372, 4]);
    expect(a.t1).toEqual({ ifsc: 254, bwi: 1, cwi: 5, crc: false });
    expect(a.extraGuardTime).toBe(0);
    expect(Buffer.from(a.historical).toString('hex')).toBe('8073c021c057597562694b6579');
    expect(new TextDecoder().decode(a.historical.subarray(6))).toBe('YubiKey');
    expect(a.tck).toBe(0x40);
    expect(a.specificMode).toBeUndefined();
  });

  it('DoD CAC (Gemalto TOP DL GX4): T=0 only, no TD, no TCK, TA1 96 → Fi 512 Di 32', () => {
    const a = atr('3B 7D 96 00 00 80 31 80 65 B0 83 11 17 D6 83 00 90 00');
    expect(a.protocols).toEqual([0]);
    expect(a.tck).toBeUndefined();
    expect([a.fi, a.di]).toEqual([512, 32]);
    expect(a.historical.length).toBe(13);
    expect(a.wi).toBe(10);
  });

  it('Schlumberger Multiflex 3k: no interface bytes, default Fi/Di', () => {
    const a = atr('3B 02 14 50');
    expect(a.protocols).toEqual([0]);
    expect([a.ta1, a.fi, a.di]).toEqual([0x11, 372, 1]);
    expect(Array.from(a.historical)).toEqual([0x14, 0x50]);
  });

  it('ID-One PIV: T=0 then T=1, the T=1 bytes come from group 3, T=15 is not a protocol', () => {
    const a = atr('3B DB 96 00 80 B1 FE 45 1F 83 00 31 C0 64 B0 FC 10 00 0F 90 00 0D');
    expect(a.protocols).toEqual([0, 1]);
    expect(a.defaultProtocol).toBe(0);
    expect(a.t1).toEqual({ ifsc: 254, bwi: 4, cwi: 5, crc: false });
    expect(a.groups.map((g) => g.protocol)).toEqual([0, 0, 1, 15]);
    expect(a.tck).toBe(0x0d);
  });

  it('HID iClass SE: TA2 81 is specific mode T=1, unable to change', () => {
    const a = atr('3B 90 96 91 81 B1 FE 55 1F C7 D4');
    expect(a.specificMode).toEqual({ protocol: 1, canChange: false, implicit: false });
    expect(a.defaultProtocol).toBe(1);
    expect(a.t1.ifsc).toBe(254);
    expect(a.t1.bwi).toBe(5);
  });

  it('a wrong TCK is a typed error', () => {
    expect(() => atr('3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 41')).toThrow(AtrError);
    try {
      atr('3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 41');
    } catch (err) {
      expect((err as AtrError).code).toBe('ATR_BAD_TCK');
    }
  });

  it('other malformed ATRs give typed errors with stable codes', () => {
    const code = (h: string): string => {
      try {
        atr(h);
        return 'none';
      } catch (err) {
        expect(err).toBeInstanceOf(AtrError);
        return (err as AtrError).code;
      }
    };
    expect(code('3B')).toBe('ATR_TRUNCATED');
    expect(code('3C 00')).toBe('ATR_BAD_TS');
    expect(code('3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 62 69 4B 65 79')).toBe('ATR_MISSING_TCK');
    expect(code('3B 02 14')).toBe('ATR_TRUNCATED');
    expect(code('3B 02 14 50 00')).toBe('ATR_TOO_LONG');
    expect(code('3F 00')).toBe('none');
  });
});
