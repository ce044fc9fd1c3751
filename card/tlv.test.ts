import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeTlv, parseTlvs, readTlv, unwrapTlv } from './tlv.ts';
import { CardError, MalformedResponseError } from './errors.ts';
import { certificateSpki, parseDerEcdsaSignature, rawToDerEcdsa, integerBytes } from './der.ts';
import { spkiAlgorithm } from './key-algorithm.ts';
import { parseCertificateContainer } from './piv-certificate.ts';

describe('BER-TLV', () => {
  it('reads multi-byte tags and long lengths (SP 800-73-4 Part 1 Appendix A)', () => {
    const v = new Uint8Array(300).fill(7);
    const enc = encodeTlv(0x7f49, v);
    expect(Buffer.from(enc.subarray(0, 5)).toString('hex')).toBe('7f4982012c');
    const { tlv, next } = readTlv(enc, 0);
    expect(tlv.tag).toBe(0x7f49);
    expect(next).toBe(enc.length);
    expect(unwrapTlv(encodeTlv(0x5fc105, Uint8Array.of(1)), 0x5fc105, 'x')).toEqual(Uint8Array.of(1));
  });

  it('round-trips any sequence of TLVs (property)', () => {
    const tag = fc.constantFrom(0x4f, 0x53, 0x70, 0x71, 0x7c, 0x82, 0x5f2f, 0x7f21, 0x7f49, 0x5fc105);
    fc.assert(fc.property(fc.array(fc.tuple(tag, fc.uint8Array({ maxLength: 400 })), { maxLength: 6 }), (items) => {
      const bytes = Buffer.concat(items.map(([t, v]) => encodeTlv(t, v)));
      const parsed = parseTlvs(bytes);
      expect(parsed.map((p) => [p.tag, Buffer.from(p.value)])).toEqual(items.map(([t, v]) => [t, Buffer.from(v)]));
    }));
  });

  it('never crashes on garbage: only MalformedResponseError (property)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try { parseTlvs(bytes); } catch (e) { expect(e).toBeInstanceOf(MalformedResponseError); }
    }), { numRuns: 2000 });
  });
});

describe('DER helpers', () => {
  it('parses ECDSA signatures and converts raw r||s', () => {
    const raw = Uint8Array.from([...new Uint8Array(31), 0x85, ...new Uint8Array(31).fill(1), 0x02]);
    const der = rawToDerEcdsa(raw);
    const { r, s } = parseDerEcdsaSignature(der);
    expect(Buffer.from(integerBytes(r, 32)).equals(Buffer.from(raw.subarray(0, 32)))).toBe(true);
    expect(Buffer.from(integerBytes(s, 32)).equals(Buffer.from(raw.subarray(32)))).toBe(true);
    expect(Buffer.from(der).toString('hex').startsWith('3026020200850220')).toBe(true);
  });

  it('reject garbage with typed errors (property)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      for (const f of [parseDerEcdsaSignature, certificateSpki, spkiAlgorithm]) {
        try { f(bytes); } catch (e) { expect(e).toBeInstanceOf(CardError); }
      }
    }), { numRuns: 1000 });
  });

  it('refuses a corrupt or non-gzip compressed certificate', async () => {
    const container = (cert: Uint8Array) => Buffer.concat([encodeTlv(0x70, cert), encodeTlv(0x71, Uint8Array.of(1)), encodeTlv(0xfe, new Uint8Array(0))]);
    await expect(parseCertificateContainer(container(Uint8Array.of(1, 2, 3)))).rejects.toBeInstanceOf(MalformedResponseError);
    await expect(parseCertificateContainer(container(Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff)))).rejects.toBeInstanceOf(MalformedResponseError);
    await expect(parseCertificateContainer(Buffer.from('7100', 'hex'))).rejects.toBeInstanceOf(MalformedResponseError);
  });
});
