// Property tests on the parsers that read what a reader or card sends: ATR, configuration
// descriptors, command APDUs. Any input gives a result or a typed error, never a crash or a hang.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCommandApdu } from './apdu.ts';
import { parseAtr } from './atr.ts';
import { describeAtr } from './atr-describe.ts';
import { findCcidInterfaces } from './descriptor.ts';
import { ApduError, AtrError, CcidProtocolError } from './errors.ts';

function typed(fn: () => unknown, ...classes: (abstract new (...a: never[]) => Error)[]): void {
  try {
    fn();
  } catch (err) {
    if (!classes.some((c) => err instanceof c)) throw err;
  }
}

describe('parser properties', () => {
  it('parseAtr: typed AtrError or a result whose analysis prints', () => {
    const atrLike = fc.tuple(fc.constantFrom(0x3b, 0x3f, 0x00), fc.uint8Array({ maxLength: 40 })).map(([ts, rest]) => Uint8Array.of(ts, ...rest));
    fc.assert(fc.property(atrLike, (bytes) => typed(() => {
      const a = parseAtr(bytes);
      expect(a.protocols.length).toBeGreaterThan(0);
      expect(describeAtr(a).length).toBeGreaterThan(2);
    }, AtrError)), { numRuns: 5000 });
  });

  it('parseAtr accepts every well-formed ATR it can be given (TCK computed)', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 15 }), (hist) => {
      const body = [0x90 | hist.length, 0x96, 0x81, 0x31, 0xfe, 0x45, ...hist]; // TA1, TD1 → TD2 (T=1) → TA3 IFSC, TB3
      const tck = body.reduce((x, b) => x ^ b, 0);
      const a = parseAtr(Uint8Array.of(0x3b, ...body, tck));
      expect(a.t1.ifsc).toBe(0xfe);
      expect(a.historical.length).toBe(hist.length);
    }), { numRuns: 500 });
  });

  it('findCcidInterfaces: typed CcidProtocolError on any malformed configuration', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => typed(() => findCcidInterfaces(bytes), CcidProtocolError)), { numRuns: 5000 });
    // Structured noise: descriptors with plausible headers.
    const desc = fc.tuple(fc.constantFrom(4, 5, 0x21, 0xff, 2), fc.uint8Array({ maxLength: 60 })).map(([t, body]) => Uint8Array.of(body.length + 2, t, ...body));
    fc.assert(fc.property(fc.array(desc, { maxLength: 8 }), (parts) => {
      const bytes = Uint8Array.from(parts.flatMap((p) => [...p]));
      typed(() => findCcidInterfaces(bytes).forEach((i) => expect(i.descriptor.bLength).toBe(54)), CcidProtocolError);
    }), { numRuns: 3000 });
  });

  it('parseCommandApdu: typed ApduError, and Ne/data consistent with the length', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => typed(() => {
      const a = parseCommandApdu(bytes);
      expect(a.data.length).toBeLessThanOrEqual(bytes.length - 4);
      expect(a.ne).toBeLessThanOrEqual(65536);
    }, ApduError)), { numRuns: 5000 });
  });
});
