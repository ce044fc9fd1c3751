// CrlCache keeps only CRLs whose signature and scope a validation verified, and a CRL without nextUpdate only for
// CRL_CACHE_TTL_WITHOUT_NEXT_UPDATE (review 9, finding 9). A real HTTP server on loopback serves the CRLs.
import 'reflect-metadata';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRL_CACHE_TTL_WITHOUT_NEXT_UPDATE, CrlCache, validatePath } from '../../pki/index.ts';
import { DAY_MS, NOW, crl, issue } from './test-pki.ts';
import type { Issued } from './test-pki.ts';

let root: Issued;
let ca: Issued;
let rootCrl: Uint8Array;
let server: ReturnType<typeof createServer>;
let base = '';
const answers: Uint8Array[] = [];
let fetches = 0;

/** An empty CRL of "CN=Issuing CA" without nextUpdate, signed by `signer`'s key (@peculiar/x509 drops the entries of such a CRL). */
async function bareCrl(signer: Issued): Promise<Uint8Array> {
  const c = await x509.X509CrlGenerator.create({
    issuer: ca.cert.subject, thisUpdate: new Date(NOW.getTime() - DAY_MS), entries: [],
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams, signingKey: signer.keys.privateKey,
  });
  return new Uint8Array(c.rawData);
}

beforeAll(async () => {
  root = await issue('CN=Root', { ca: true });
  ca = await issue('CN=Issuing CA', { ca: true, issuer: root });
  rootCrl = (await crl(root)).der;
  server = createServer((req, res) => {
    req.resume();
    fetches++;
    res.end(Buffer.from(answers.length > 1 ? answers.shift()! : answers[0]!));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('CrlCache', () => {
  it('does not keep a fetched CRL whose signature does not verify', async () => {
    const stranger = await issue('CN=Issuing CA', { ca: true }); // same name, another key: a MITM or a mis-publish
    answers.splice(0, answers.length, await bareCrl(stranger), (await crl(ca)).der);
    fetches = 0;
    const leaf = await issue('CN=alice', { issuer: ca, crlUrl: `${base}/a.crl` });
    const cache = new CrlCache();
    const run = () => validatePath({ leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW,
      revocation: { mode: 'require', crls: [rootCrl], fetch: globalThis.fetch, cache } });
    expect((await run()).errors.map((e) => e.code)).toEqual(['REVOCATION_UNKNOWN']);
    expect((await run()).errors).toEqual([]); // fetched again: the genuine CRL
    expect(fetches).toBe(2);
    expect((await run()).errors).toEqual([]); // verified, so now served from the cache
    expect(fetches).toBe(2);
  });

  it('keeps a verified CRL without nextUpdate only for a while', async () => {
    const leaf = await issue('CN=bob', { issuer: ca, crlUrl: `${base}/b.crl` });
    answers.splice(0, answers.length, await bareCrl(ca), (await crl(ca, { revoked: [{ serial: leaf.cert.serialNumber, date: NOW }] })).der);
    fetches = 0;
    const cache = new CrlCache();
    const run = (time: Date) => validatePath({ leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time,
      revocation: { mode: 'require', crls: [rootCrl], fetch: globalThis.fetch, cache } });
    expect((await run(NOW)).errors).toEqual([]);
    expect((await run(new Date(NOW.getTime() + CRL_CACHE_TTL_WITHOUT_NEXT_UPDATE * 500))).errors).toEqual([]);
    expect(fetches).toBe(1);
    // After the TTL the CRL is fetched again, and the later revocation is seen.
    const later = await run(new Date(NOW.getTime() + CRL_CACHE_TTL_WITHOUT_NEXT_UPDATE * 1000 + 60_000));
    expect(fetches).toBe(2);
    expect(later.errors.map((e) => e.code)).toEqual(['REVOKED']);
  });
});
