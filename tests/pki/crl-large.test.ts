// CRLs with many entries (RFC 5280 §5.1.2.6). Through asn1js, a CRL stopped parsing at its 10 000-node limit (about
// 1 300 entries with a reason code): the CRL was dropped as malformed, so a revoked card was REVOCATION_UNKNOWN under
// `require` and accepted with a warning under `prefer`. A full asn1js parse of 300 000 entries took 80 s and 2.6 GB.
import 'reflect-metadata';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCrl, validatePath } from '../../pki/index.ts';
import { crlEntry, signedCrl } from './crl-builder.ts';
import { DAY_MS, NOW, crl, issue } from './test-pki.ts';
import type { Issued } from './test-pki.ts';

const KEY_COMPROMISE = 1;
let root: Issued;
let ca: Issued;
let rootCrl: Uint8Array;

beforeAll(async () => {
  root = await issue('CN=Large CRL Root', { ca: true });
  ca = await issue('CN=Large CRL CA', { ca: true, issuer: root });
  rootCrl = (await crl(root)).der;
});

/** `n` other revoked serials, then `serial` revoked for key compromise on 2026-02-02. */
function entries(n: number, serial?: string): Uint8Array[] {
  const out = Array.from({ length: n }, (_, i) => crlEntry((0x10000000 + i).toString(16), new Date(NOW.getTime() - 30 * DAY_MS), i % 2 ? KEY_COMPROMISE : undefined));
  if (serial) out.push(crlEntry(serial, new Date('2026-02-02T00:00:00Z'), KEY_COMPROMISE));
  return out;
}

const window = { thisUpdate: new Date(NOW.getTime() - DAY_MS), nextUpdate: new Date(NOW.getTime() + 7 * DAY_MS) };

describe('a CRL with thousands of entries', () => {
  it('finds the revoked card among 5 000 entries, under require and under prefer', async () => {
    const leaf = await issue('CN=revoked card', { issuer: ca });
    const big = await signedCrl(ca, entries(5000, leaf.cert.serialNumber), window);
    for (const mode of ['require', 'prefer'] as const) {
      const r = await validatePath({ leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW, revocation: { mode, crls: [big, rootCrl] } });
      expect(r.valid).toBe(false);
      expect(r.errors).toEqual([{ code: 'REVOKED', certIndex: 0, detail: 'The certificate "revoked card" was revoked on 2026-02-02 by Large CRL CA (key compromise).' }]);
    }
  });

  it('accepts a card that is not on a 5 000-entry CRL under require', async () => {
    const leaf = await issue('CN=good card', { issuer: ca });
    const big = await signedCrl(ca, entries(5000), window);
    const r = await validatePath({ leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW, revocation: { mode: 'require', crls: [big, rootCrl] } });
    expect(r.errors).toEqual([]);
    expect(r.valid).toBe(true);
  });

  it('reads 200 000 entries, each with its serial, date and reason', async () => {
    const big = await signedCrl(ca, entries(200_000, 'c0ffee'), window);
    const parsed = parseCrl(big);
    expect(parsed.entries).toHaveLength(200_001);
    expect(parsed.entries[1]).toMatchObject({ serialKey: '10000001', reason: KEY_COMPROMISE, revocationDate: new Date(NOW.getTime() - 30 * DAY_MS) });
    expect(parsed.entries[0]?.reason).toBeUndefined();
    expect(parsed.entries.at(-1)).toMatchObject({ serialKey: '00c0ffee', reason: KEY_COMPROMISE, revocationDate: new Date('2026-02-02T00:00:00Z') });
    expect(parsed.unknownCritical).toEqual([]);
  }, 120_000);
});
