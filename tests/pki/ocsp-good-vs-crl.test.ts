// An OCSP "good" and a CRL at hand that says "revoked". A good response made before the revocation stays usable until
// its nextUpdate (often days), and an RFC 6187 server chooses what it staples: a server holding a revoked host key
// stapled an old "good", and the certificate was accepted under `require` although the CRL supplied, or kept in the
// page's cache from an earlier check, listed it as revoked for key compromise. Revocation is final (RFC 5280 §5.3.1).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { CrlCache, validatePath } from '../../pki/index.ts';
import type { FetchLike, RevocationOptions, ValidationResult } from '../../pki/index.ts';
import { DAY_MS, NOW, crl, issue, ocspResponse } from './test-pki.ts';
import type { Issued } from './test-pki.ts';

let root: Issued;
let ca: Issued;
let rootCrl: Uint8Array;

beforeAll(async () => {
  root = await issue('CN=Staple Root', { ca: true });
  ca = await issue('CN=Staple CA', { ca: true, issuer: root });
  rootCrl = (await crl(root)).der;
});

function run(leaf: Issued, revocation: RevocationOptions): Promise<ValidationResult> {
  return validatePath({ leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW, revocation });
}

/** "good", made three days ago (before the revocation), valid four more days. */
const oldGood = (leaf: Issued) => ocspResponse(leaf, ca, { status: 'good', thisUpdate: new Date(NOW.getTime() - 3 * DAY_MS), nextUpdate: new Date(NOW.getTime() + 4 * DAY_MS) });
const revoking = async (leaf: Issued, reason: x509.X509CrlReason) => (await crl(ca, { revoked: [{ serial: leaf.cert.serialNumber, date: new Date('2026-02-27T00:00:00Z'), reason }] })).der;

describe('a stapled OCSP "good" against a CRL at hand', () => {
  it('loses to a supplied CRL that revokes the certificate, under require and under prefer', async () => {
    const leaf = await issue('CN=host.example', { issuer: ca });
    for (const mode of ['require', 'prefer'] as const) {
      const r = await run(leaf, { mode, crls: [rootCrl, await revoking(leaf, x509.X509CrlReason.keyCompromise)], ocspResponses: [await oldGood(leaf)] });
      expect(r.errors).toEqual([{ code: 'REVOKED', certIndex: 0, detail: 'The certificate "host.example" was revoked on 2026-02-27 by Staple CA (key compromise).' }]);
    }
  });

  it('loses to a CRL the cache kept from an earlier check, without fetching anything', async () => {
    const leaf = await issue('CN=cached.example', { issuer: ca, crlUrl: 'http://crl.example/staple-ca.crl' });
    const body = await revoking(leaf, x509.X509CrlReason.keyCompromise);
    const calls: string[] = [];
    const fetch: FetchLike = async (url) => {
      calls.push(url);
      return { ok: true, status: 200, arrayBuffer: async () => body.slice().buffer };
    };
    const cache = new CrlCache();
    expect((await run(leaf, { mode: 'prefer', crls: [rootCrl], fetch, cache })).errors.map((e) => e.code)).toEqual(['REVOKED']);
    expect(calls).toEqual(['http://crl.example/staple-ca.crl']);
    const r = await run(leaf, { mode: 'prefer', crls: [rootCrl], fetch, cache, ocspResponses: [await oldGood(leaf)] });
    expect(r.errors.map((e) => e.code)).toEqual(['REVOKED']);
    expect(calls).toHaveLength(1);
  });

  it('stands against a CRL that only puts the certificate on hold (it may have been released since)', async () => {
    const leaf = await issue('CN=held.example', { issuer: ca });
    const r = await run(leaf, { mode: 'require', crls: [rootCrl, await revoking(leaf, x509.X509CrlReason.certificateHold)], ocspResponses: [await oldGood(leaf)] });
    expect(r.errors).toEqual([]);
    expect(r.valid).toBe(true);
  });

  it('stands against a CRL that does not list the certificate', async () => {
    const leaf = await issue('CN=fine.example', { issuer: ca });
    const r = await run(leaf, { mode: 'require', crls: [rootCrl, (await crl(ca)).der], ocspResponses: [await oldGood(leaf)] });
    expect(r.errors).toEqual([]);
  });
});
