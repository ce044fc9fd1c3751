// One CA certified by several roots (cross-certificates, the same name and key) gives one candidate path per root.
// Revocation was looked up per (certificate, issuer certificate, anchor), so the leaf's CRL and OCSP URLs were
// fetched again on every path: with responders that never answer, each path waited out the fetch timeout again
// (32 paths x 2 URLs x 20 s is 21 minutes before the verdict). The fetch here is an in-memory FetchLike, to count.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { validatePath } from '../../pki/index.ts';
import type { FetchLike } from '../../pki/index.ts';
import { DAY_MS, NOW, crl, issue } from './test-pki.ts';
import type { Issued } from './test-pki.ts';

let roots: Issued[];
let ca: Issued;
let cross: Issued[];

beforeAll(async () => {
  roots = await Promise.all([1, 2, 3, 4].map((i) => issue(`CN=Once Root ${i}`, { ca: true })));
  ca = await issue('CN=Once CA', { ca: true, issuer: roots[0] as Issued, serial: '0a01' });
  cross = await Promise.all(roots.slice(1).map((r, i) => issue('CN=Once CA', { ca: true, issuer: r, keys: ca.keys, serial: `0b0${i}` })));
});

describe('each revocation URL is fetched once per validation', () => {
  it('asks a stalled OCSP responder and CRL once each, not once per cross-certified path', async () => {
    const leaf = await issue('CN=stalled everywhere', { issuer: ca, crlUrl: 'http://crl.example/once.crl', ocspUrl: 'http://ocsp.example/' });
    const calls: string[] = [];
    const stall: FetchLike = (url) => {
      calls.push(url);
      return new Promise(() => undefined); // never answers
    };
    const r = await validatePath({
      leaf: leaf.der, intermediates: [ca.der, ...cross.map((c) => c.der)], anchors: roots.map((c) => c.der), time: NOW,
      revocation: { mode: 'require', crls: await Promise.all(roots.map(async (c) => (await crl(c)).der)), fetch: stall, fetchTimeoutMs: 200 },
    });
    expect(r.errors.map((e) => e.code)).toEqual(['REVOCATION_UNKNOWN']);
    expect(calls.sort()).toEqual(['http://crl.example/once.crl', 'http://ocsp.example/']);
  }, 60_000);

  // A CRL that verified was already reused through the run's CrlCache; this guards that path with the per-run answers.
  it('reuses a fetched CRL on the next path after the first path fails', async () => {
    const leaf = await issue('CN=second path', { issuer: ca, crlUrl: 'http://crl.example/ca.crl' });
    const caCrl = (await crl(ca)).der;
    // Root 1 revoked its certificate of the CA: the first path fails, the path through root 2 is valid.
    const root1Crl = (await crl(roots[0] as Issued, { revoked: [{ serial: '0a01', date: new Date(NOW.getTime() - DAY_MS), reason: x509.X509CrlReason.cACompromise }] })).der;
    const calls: string[] = [];
    const serve: FetchLike = async (url) => {
      calls.push(url);
      return { ok: true, status: 200, arrayBuffer: async () => caCrl.slice().buffer };
    };
    const r = await validatePath({
      leaf: leaf.der, intermediates: [ca.der, cross[0]?.der as Uint8Array], anchors: [roots[0]?.der as Uint8Array, roots[1]?.der as Uint8Array], time: NOW,
      revocation: { mode: 'require', crls: [root1Crl, (await crl(roots[1] as Issued)).der], fetch: serve },
    });
    expect(r.errors).toEqual([]);
    expect(r.path[2]?.subject.text).toBe('CN=Once Root 2');
    expect(calls).toEqual(['http://crl.example/ca.crl']);
  });
});
