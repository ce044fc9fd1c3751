// Time values (RFC 5280 §4.1.2.5.1, §4.1.2.5.2): only UTCTime YYMMDDHHMMSSZ and GeneralizedTime YYYYMMDDHHMMSSZ are
// read; asn1js turned the other forms into 1899-11-30 or local time (review 9, finding 7). Certificates re-signed here.
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { PkiParseError, parseCertificate, parseCrl, parseOcspResponse, validatePath } from '../../pki/index.ts';
import { children, readTlv, whole } from '../../pki/der.ts';
import { decodeTime } from '../../pki/time.ts';
import { NOW, crl, issue, ocspResponse } from './test-pki.ts';
import type { Issued } from './test-pki.ts';

const len = (n: number) => n < 128 ? [n] : n < 256 ? [0x81, n] : [0x82, n >> 8, n & 255];
const tlv = (tag: number, body: Uint8Array) => Uint8Array.from([tag, ...len(body.length), ...body]);
const cat = (...a: Uint8Array[]) => Uint8Array.from(a.flatMap((x) => [...x]));
const ascii = (s: string) => new TextEncoder().encode(s);
const utc = (s: string) => tlv(0x17, ascii(s));
const gen = (s: string) => tlv(0x18, ascii(s));

function ecdsaDer(raw: Uint8Array): Uint8Array {
  const int = (b: Uint8Array) => { let i = 0; while (i < b.length - 1 && b[i] === 0) i++; const v = b.subarray(i); return tlv(2, v[0]! & 0x80 ? cat(Uint8Array.of(0), v) : v); };
  return tlv(0x30, cat(int(raw.subarray(0, 32)), int(raw.subarray(32))));
}

/** `c` with a hand-written validity, re-signed by `issuer` (ECDSA P-256 SHA-256). */
async function withValidity(c: Issued, issuer: Issued, notBefore: Uint8Array, notAfter: Uint8Array): Promise<Uint8Array> {
  const der = c.der;
  const [tbsTlv, algTlv] = children(der, readTlv(der, 0));
  const parts = children(der, tbsTlv!).map((t) => whole(der, t));
  parts[4] = tlv(0x30, cat(notBefore, notAfter));
  const tbs = tlv(0x30, cat(...parts));
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, issuer.keys.privateKey, tbs));
  return tlv(0x30, cat(tbs, whole(der, algTlv!), tlv(3, cat(Uint8Array.of(0), ecdsaDer(sig)))));
}

const read = (t: Uint8Array, fraction = false) => decodeTime(t, readTlv(t, 0), 'The time', fraction);

describe('decodeTime', () => {
  it('reads the two RFC 5280 forms, UTCTime years 50-99 as 19YY', () => {
    expect(read(utc('300101000000Z')).toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(read(utc('491231235959Z')).toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(read(utc('500101000000Z')).toISOString()).toBe('1950-01-01T00:00:00.000Z');
    expect(read(gen('20500101000000Z')).toISOString()).toBe('2050-01-01T00:00:00.000Z');
    expect(read(gen('20260301120000.25Z'), true).toISOString()).toBe('2026-03-01T12:00:00.250Z');
  });

  it('refuses every other form with PkiParseError', () => {
    for (const t of [utc('3001010000Z'), utc('300101000000+0000'), utc('300101000000'), gen('20260320000000'), gen('20260320000000.5Z'),
      gen('202603200000Z'), utc('300230000000Z'), utc('301301000000Z'), utc('300101240000Z'), utc('300101006000Z'), gen('20260301000060Z'),
      tlv(0x04, ascii('300101000000Z')), gen('20260301120000.50Z')]) {
      expect(() => read(t)).toThrow(PkiParseError);
    }
    expect(() => read(gen('20260301120000.50Z'), true)).toThrow(PkiParseError); // DER: no trailing zero in the fraction
  });
});

describe('certificates with malformed validity times', () => {
  for (const [what, notBefore] of [
    ['UTCTime without seconds', utc('3001010000Z')],
    ['UTCTime with an offset', utc('300101000000+0000')],
    ['GeneralizedTime without Z', gen('20260320000000')],
  ] as const) {
    it(`are refused, not valid "now": notBefore ${what}`, async () => {
      const root = await issue('CN=Root', { ca: true });
      const der = await withValidity(await issue('CN=alice', { issuer: root }), root, notBefore, utc('310101000000Z'));
      expect(() => parseCertificate(der)).toThrow(PkiParseError);
      const r = await validatePath({ leaf: der, anchors: [root.der], time: NOW, revocation: { mode: 'off' } });
      expect(r.valid).toBe(false);
    });
  }

  it('a well-formed validity still works', async () => {
    const root = await issue('CN=Root', { ca: true });
    const der = await withValidity(await issue('CN=alice', { issuer: root }), root, utc('250101000000Z'), gen('20500101000000Z'));
    expect(parseCertificate(der).notAfter.toISOString()).toBe('2050-01-01T00:00:00.000Z');
    expect((await validatePath({ leaf: der, anchors: [root.der], time: NOW, revocation: { mode: 'off' } })).errors).toEqual([]);
  });
});

describe('CRLs with malformed times', () => {
  it('refuses a malformed thisUpdate or nextUpdate with PkiParseError', async () => {
    const ca = await issue('CN=CA', { ca: true });
    const der = (await crl(ca)).der;
    const [tbsTlv, algTlv] = children(der, readTlv(der, 0));
    const fields = children(der, tbsTlv!);
    const v = fields[0]?.tag === 0x02 ? 1 : 0;
    const resign = async (index: number, time: Uint8Array) => {
      const parts = fields.map((t) => whole(der, t));
      parts[index] = time;
      const tbs = tlv(0x30, cat(...parts));
      const sig = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, ca.keys.privateKey, tbs));
      return tlv(0x30, cat(tbs, whole(der, algTlv!), tlv(3, cat(Uint8Array.of(0), ecdsaDer(sig)))));
    };
    expect(parseCrl(await resign(v + 2, utc('260228000000Z'))).thisUpdate.toISOString()).toBe('2026-02-28T00:00:00.000Z');
    await expect(resign(v + 2, utc('2602280000Z')).then(parseCrl)).rejects.toThrow(PkiParseError);
    await expect(resign(v + 3, gen('20260310000000')).then(parseCrl)).rejects.toThrow(PkiParseError);
  });
});

describe('OCSP responses with malformed times', () => {
  it('refuses an impossible thisUpdate (February 31), which asn1js accepted, with PkiParseError', async () => {
    const ca = await issue('CN=CA', { ca: true });
    const der = await ocspResponse(await issue('CN=alice', { issuer: ca }), ca, { status: 'good' });
    expect(parseOcspResponse(der).responses[0]?.thisUpdate.toISOString()).toBe('2026-03-01T11:00:00.000Z');
    // producedAt, then the SingleResponse's thisUpdate (same text); the second becomes 2026-02-31. Parsing comes first,
    // so the signature, now wrong, does not matter.
    const text = Buffer.from(der).toString('latin1');
    const at = text.indexOf('20260301110000Z', text.indexOf('20260301110000Z') + 1);
    expect(at).toBeGreaterThan(0);
    const bad = Uint8Array.from(der);
    bad.set(ascii('20260231110000Z'), at);
    expect(() => parseOcspResponse(bad)).toThrow(PkiParseError);
  });
});
