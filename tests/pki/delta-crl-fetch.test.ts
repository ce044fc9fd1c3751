// Delta CRLs named by freshestCRL (RFC 5280 §4.2.1.15 in the certificate, §5.2.6 in the complete CRL), served by a
// real HTTP server on loopback. Before, only the distribution point's complete CRL was fetched and taken as the whole
// status: a card revoked since that CRL (listed only in the delta) was valid under `require`.
import 'reflect-metadata';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as asn from '@peculiar/asn1-x509';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CrlCache, validatePath } from '../../pki/index.ts';
import type { RevocationMode, ValidationResult } from '../../pki/index.ts';
import { DAY_MS, NOW, crl, issue } from './test-pki.ts';
import type { Issued } from './test-pki.ts';

const bodies = new Map<string, Uint8Array>();
const hits: string[] = [];
let server: ReturnType<typeof createServer>;
let base = '';
let root: Issued;
let ca: Issued;
let rootCrl: Uint8Array;

const ext = (oid: string, critical: boolean, value: object) => new x509.Extension(oid, critical, AsnConvert.serialize(value));
const freshest = (path: string) => ext('2.5.29.46', false, new asn.FreshestCRL([new asn.DistributionPoint({
  distributionPoint: new asn.DistributionPointName({ fullName: [new asn.GeneralName({ uniformResourceIdentifier: `${base}${path}` })] }),
})]));
const crlNumber = (n: number) => ext('2.5.29.20', false, new asn.CRLNumber(n));
const deltaOf = (n: number) => ext('2.5.29.27', true, new asn.BaseCRLNumber(n));

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const body = bodies.get(req.url ?? '');
    if (body) res.end(Buffer.from(body));
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  root = await issue('CN=Delta Root', { ca: true });
  ca = await issue('CN=Delta CA', { ca: true, issuer: root });
  rootCrl = (await crl(root)).der;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  bodies.clear();
  hits.length = 0;
});

/** A complete CRL #10 from three days ago (nothing revoked) that names its delta at `deltaPath` (§5.2.6), if given. */
async function completeCrl(deltaPath?: string): Promise<Uint8Array> {
  return (await crl(ca, {
    thisUpdate: new Date(NOW.getTime() - 3 * DAY_MS), nextUpdate: new Date(NOW.getTime() + 4 * DAY_MS),
    extra: [crlNumber(10), ...(deltaPath ? [freshest(deltaPath)] : [])],
  })).der;
}

/** Delta CRL #11 on base #10, from an hour ago, revoking `serials` for key compromise on 2026-02-28. */
async function deltaCrl(serials: readonly string[]): Promise<Uint8Array> {
  return (await crl(ca, {
    thisUpdate: new Date(NOW.getTime() - 3600_000), nextUpdate: new Date(NOW.getTime() + DAY_MS),
    revoked: serials.map((serial) => ({ serial, date: new Date('2026-02-28T00:00:00Z'), reason: x509.X509CrlReason.keyCompromise })),
    extra: [crlNumber(11), deltaOf(10)],
  })).der;
}

function check(leaf: Issued, mode: RevocationMode = 'require', cache?: CrlCache): Promise<ValidationResult> {
  return validatePath({
    leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW,
    revocation: { mode, crls: [rootCrl], fetch: globalThis.fetch, ...(cache ? { cache } : {}) },
  });
}

describe('fetching delta CRLs', () => {
  it('fetches the delta the certificate names and finds a card revoked since the complete CRL', async () => {
    const leaf = await issue('CN=revoked lately', { issuer: ca, crlUrl: `${base}/ca.crl`, extra: [freshest('/ca-delta.crl')] });
    bodies.set('/ca.crl', await completeCrl('/ca-delta.crl'));
    bodies.set('/ca-delta.crl', await deltaCrl([leaf.cert.serialNumber]));
    const r = await check(leaf);
    expect(hits.sort()).toEqual(['/ca-delta.crl', '/ca.crl']);
    expect(r.errors).toEqual([{ code: 'REVOKED', certIndex: 0, detail: 'The certificate "revoked lately" was revoked on 2026-02-28 by Delta CA (key compromise).' }]);
  });

  it('fetches the delta the complete CRL names when the certificate names none', async () => {
    const leaf = await issue('CN=revoked, crl names delta', { issuer: ca, crlUrl: `${base}/ca.crl` });
    bodies.set('/ca.crl', await completeCrl('/ca-delta.crl'));
    bodies.set('/ca-delta.crl', await deltaCrl([leaf.cert.serialNumber]));
    const r = await check(leaf);
    expect(hits).toEqual(['/ca.crl', '/ca-delta.crl']);
    expect(r.errors.map((e) => e.code)).toEqual(['REVOKED']);
  });

  it('accepts a card on neither, and keeps the verified delta in the cache until its nextUpdate', async () => {
    const leaf = await issue('CN=good, with delta', { issuer: ca, crlUrl: `${base}/ca.crl`, extra: [freshest('/ca-delta.crl')] });
    bodies.set('/ca.crl', await completeCrl('/ca-delta.crl'));
    bodies.set('/ca-delta.crl', await deltaCrl(['7777']));
    const cache = new CrlCache();
    expect((await check(leaf, 'require', cache)).errors).toEqual([]);
    expect((await check(leaf, 'require', cache)).valid).toBe(true);
    expect(hits.sort()).toEqual(['/ca-delta.crl', '/ca.crl']);
  });
});

describe('a complete CRL whose delta CRL is missing is not the whole status', () => {
  it('is REVOCATION_UNKNOWN under require and a warning under prefer when the delta cannot be fetched', async () => {
    const leaf = await issue('CN=delta gone', { issuer: ca, crlUrl: `${base}/ca.crl`, extra: [freshest('/gone-delta.crl')] });
    bodies.set('/ca.crl', await completeCrl('/gone-delta.crl'));
    const r = await check(leaf);
    expect(r.errors).toEqual([{
      code: 'REVOCATION_UNKNOWN', certIndex: 0,
      detail: `The revocation status of "delta gone" is unknown: the CRL from "CN=Delta CA" has delta CRLs (freshestCRL), and no current delta CRL for it was at hand (${base}/gone-delta.crl answered with HTTP status 404).`,
    }]);
    const soft = await check(leaf, 'prefer');
    expect(soft.valid).toBe(true);
    expect(soft.warnings.map((w) => w.code)).toEqual(['REVOCATION_UNKNOWN']);
  });

  it('is REVOCATION_UNKNOWN when only the complete CRL is supplied', async () => {
    const leaf = await issue('CN=supplied base only', { issuer: ca, extra: [freshest('/ca-delta.crl')] });
    const r = await validatePath({ leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW, revocation: { mode: 'require', crls: [rootCrl, await completeCrl()] } });
    expect(r.errors.map((e) => e.code)).toEqual(['REVOCATION_UNKNOWN']);
    // With the delta supplied too, the status is known.
    const both = await validatePath({ leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW, revocation: { mode: 'require', crls: [rootCrl, await completeCrl(), await deltaCrl([])] } });
    expect(both.errors).toEqual([]);
  });

  it('still takes a revocation on the complete CRL itself', async () => {
    const leaf = await issue('CN=on the base', { issuer: ca, extra: [freshest('/ca-delta.crl')] });
    const revokingBase = (await crl(ca, { revoked: [{ serial: leaf.cert.serialNumber, date: new Date('2026-02-01T00:00:00Z') }], extra: [crlNumber(10)] })).der;
    const r = await validatePath({ leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW, revocation: { mode: 'require', crls: [rootCrl, revokingBase] } });
    expect(r.errors.map((e) => e.code)).toEqual(['REVOKED']);
  });
});
