// Our own cases from a test PKI built at test time (tests/pki/test-pki.ts).
import 'reflect-metadata';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as ocspAsn from '@peculiar/asn1-ocsp';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARD_POLICY, CrlCache, HOST_POLICY, OID, validatePath } from '../../pki/index.ts';
import type { ValidateInput } from '../../pki/index.ts';
import { DAY_MS, NOW, crl, issue, ocspResponse } from './test-pki.ts';
import type { Issued } from './test-pki.ts';

let root: Issued;
let inter: Issued;
let rootCrl: Uint8Array;
let interCrl: Uint8Array;

beforeAll(async () => {
  root = await issue('CN=Example Root CA, O=Tessera Test', { ca: true });
  inter = await issue('CN=Example Issuing CA 1, O=Tessera Test', { ca: true, issuer: root });
  rootCrl = (await crl(root)).der;
  interCrl = (await crl(inter)).der;
});

function input(leaf: Issued, more: Partial<ValidateInput> = {}): ValidateInput {
  return { leaf: leaf.der, intermediates: [inter.der], anchors: [root.der], time: NOW, revocation: { mode: 'require', crls: [rootCrl, interCrl] }, ...more };
}

const codes = (r: { errors: readonly { code: string }[] }) => r.errors.map((e) => e.code);

describe('validity, key usage and EKU', () => {
  it('accepts a good card certificate under the card policy', async () => {
    const leaf = await issue('CN=alice', { issuer: inter, eku: [OID.kpClientAuth] });
    const r = await validatePath(input(leaf, { policy: { leaf: CARD_POLICY } }));
    expect(r.errors).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.path.map((c) => c.subject.text)).toEqual(['CN=alice', 'CN=Example Issuing CA 1, O=Tessera Test', 'CN=Example Root CA, O=Tessera Test']);
  });

  it('refuses an expired certificate', async () => {
    const leaf = await issue('CN=old', { issuer: inter, notBefore: new Date(NOW.getTime() - 100 * DAY_MS), notAfter: new Date(NOW.getTime() - DAY_MS) });
    const r = await validatePath(input(leaf));
    expect(r.valid).toBe(false);
    expect(codes(r)).toEqual(['CERT_EXPIRED']);
    expect(r.errors[0]?.detail).toMatch(/^The certificate "old" expired on 2026-02-28\.$/);
  });

  it('refuses a certificate not yet valid', async () => {
    const leaf = await issue('CN=future', { issuer: inter, notBefore: new Date(NOW.getTime() + DAY_MS) });
    expect(codes(await validatePath(input(leaf)))).toEqual(['CERT_NOT_YET_VALID']);
  });

  it('refuses a wrong EKU for a card, and checks SSH host certificates for secureShellServer', async () => {
    const server = await issue('CN=web', { issuer: inter, eku: [OID.kpServerAuth] });
    const r = await validatePath(input(server, { policy: { leaf: CARD_POLICY } }));
    expect(codes(r)).toEqual(['LEAF_EKU']);
    expect(r.errors[0]?.detail).toContain('allows only server authentication');
    const host = await issue('CN=host.example', { issuer: inter, eku: [OID.kpSecureShellServer] });
    expect((await validatePath(input(host, { policy: { leaf: HOST_POLICY } }))).valid).toBe(true);
    expect(codes(await validatePath(input(host, { policy: { leaf: CARD_POLICY } })))).toEqual(['LEAF_EKU']);
  });

  it('refuses a card certificate without digitalSignature', async () => {
    const leaf = await issue('CN=enc', { issuer: inter, keyUsage: x509.KeyUsageFlags.keyEncipherment, eku: [OID.msSmartcardLogon] });
    expect(codes(await validatePath(input(leaf, { policy: { leaf: CARD_POLICY } })))).toEqual(['LEAF_KEY_USAGE']);
  });

  it('refuses an unknown critical extension and ignores an unknown non-critical one', async () => {
    const nul = new Uint8Array([5, 0]);
    const crit = await issue('CN=crit', { issuer: inter, extra: [new x509.Extension('1.3.6.1.4.1.99999.1', true, nul)] });
    const r = await validatePath(input(crit));
    expect(codes(r)).toEqual(['UNKNOWN_CRITICAL_EXTENSION']);
    expect(r.errors[0]?.detail).toContain('1.3.6.1.4.1.99999.1');
    const soft = await issue('CN=soft', { issuer: inter, extra: [new x509.Extension('1.3.6.1.4.1.99999.1', false, nul)] });
    expect((await validatePath(input(soft))).valid).toBe(true);
  });
});

describe('structure', () => {
  it('enforces name constraints on dNSName', async () => {
    const ca = await issue('CN=Constrained CA', { ca: true, issuer: root, permittedDns: ['example.com'], excludedDns: ['bad.example.com'] });
    const caCrl = (await crl(ca)).der;
    const run = (leaf: Issued) => validatePath({ leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW, revocation: { mode: 'require', crls: [rootCrl, caCrl] } });
    expect((await run(await issue('CN=ok', { issuer: ca, san: [{ type: 'dns', value: 'host.example.com' }] }))).valid).toBe(true);
    expect(codes(await run(await issue('CN=evil', { issuer: ca, san: [{ type: 'dns', value: 'evil.org' }] })))).toEqual(['NAME_CONSTRAINTS_VIOLATION']);
    expect(codes(await run(await issue('CN=bad', { issuer: ca, san: [{ type: 'dns', value: 'x.bad.example.com' }] })))).toEqual(['NAME_CONSTRAINTS_VIOLATION']);
  });

  it('enforces pathLenConstraint', async () => {
    const ca1 = await issue('CN=Policy CA', { ca: true, issuer: root, pathLen: 0 });
    const ca2 = await issue('CN=Sub CA', { ca: true, issuer: ca1 });
    const leaf = await issue('CN=deep', { issuer: ca2 });
    const r = await validatePath({ leaf: leaf.der, intermediates: [ca1.der, ca2.der], anchors: [root.der], time: NOW, revocation: { mode: 'off' } });
    expect(codes(r)).toEqual(['PATH_LENGTH_EXCEEDED']);
    expect(r.errors[0]?.certIndex).toBe(1);
  });

  it('backtracks from a revoked cross-certificate to another path', async () => {
    const rootB = await issue('CN=Partner Root', { ca: true });
    const caKeys = inter.keys;
    // The same CA (name and key) certified by a partner root, whose CRL revokes that cross-certificate.
    const cross = await issue(inter.name, { ca: true, issuer: rootB, keys: caKeys, serial: 'c0ffee' });
    const rootBCrl = (await crl(rootB, { revoked: [{ serial: 'c0ffee', date: new Date(NOW.getTime() - DAY_MS) }] })).der;
    const leaf = await issue('CN=bob', { issuer: inter });
    const r = await validatePath({
      leaf: leaf.der, intermediates: [cross.der, inter.der], anchors: [rootB.der, root.der], time: NOW,
      revocation: { mode: 'require', crls: [rootCrl, interCrl, rootBCrl] },
    });
    expect(r.errors).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.path[1]?.id).toBe(Buffer.from(inter.der).toString('hex'));
    expect(r.path[2]?.subject.text).toBe('CN=Example Root CA, O=Tessera Test');
    // Alone, the cross-certified path is refused because the cross-certificate is revoked.
    const only = await validatePath({ leaf: leaf.der, intermediates: [cross.der], anchors: [rootB.der], time: NOW, revocation: { mode: 'require', crls: [rootBCrl, interCrl] } });
    expect(codes(only)).toEqual(['REVOKED']);
  });

  it('reports a missing issuer and a loop without hanging', async () => {
    const stranger = await issue('CN=Stranger CA', { ca: true });
    const leaf = await issue('CN=lost', { issuer: stranger });
    expect(codes(await validatePath(input(leaf)))).toEqual(['NO_PATH']);
    // Two CAs certifying each other, neither reaching the anchor.
    const a = await issue('CN=Loop A', { ca: true });
    const b = await issue('CN=Loop B', { ca: true, issuer: a });
    const a2 = await issue('CN=Loop A', { ca: true, issuer: b, keys: a.keys });
    const l = await issue('CN=in loop', { issuer: a2 });
    expect((await validatePath({ leaf: l.der, intermediates: [a2.der, b.der, a.der], anchors: [root.der], time: NOW, revocation: { mode: 'off' } })).valid).toBe(false);
  });
});

describe('bounded work against hostile input', () => {
  it('stops at the work limit in a pool of same-named CAs certifying each other', async () => {
    const keys = await Promise.all(Array.from({ length: 8 }, () => issue('CN=Hydra', { ca: true })));
    const pool: Uint8Array[] = [];
    for (const a of keys) for (const b of keys) if (a !== b) pool.push((await issue('CN=Hydra', { ca: true, issuer: a, keys: b.keys })).der);
    const leaf = await issue('CN=victim', { issuer: keys[0] as Issued });
    const r = await validatePath({ leaf: leaf.der, intermediates: pool, anchors: [root.der], time: NOW, revocation: { mode: 'off' }, policy: { limits: { maxSteps: 500 } } });
    expect(codes(r)).toEqual(['PATH_WORK_LIMIT']);
    expect(r.errors[0]?.detail).toContain('work limit');
  }, 30_000);
});

describe('revocation', () => {
  it('says who revoked a certificate on a CRL, and when', async () => {
    const leaf = await issue('CN=carol', { issuer: inter });
    const revoking = (await crl(inter, { revoked: [{ serial: leaf.cert.serialNumber, date: new Date('2026-02-02T00:00:00Z'), reason: x509.X509CrlReason.keyCompromise }] })).der;
    const r = await validatePath(input(leaf, { revocation: { mode: 'require', crls: [rootCrl, revoking] } }));
    expect(r.errors).toEqual([{ code: 'REVOKED', certIndex: 0, detail: 'The certificate "carol" was revoked on 2026-02-02 by Example Issuing CA 1 (key compromise).' }]);
  });

  it('ignores a CRL that is out of date, and fails closed without data', async () => {
    const leaf = await issue('CN=dave', { issuer: inter });
    const stale = (await crl(inter, { thisUpdate: new Date(NOW.getTime() - 30 * DAY_MS), nextUpdate: new Date(NOW.getTime() - DAY_MS) })).der;
    const r = await validatePath(input(leaf, { revocation: { mode: 'require', crls: [rootCrl, stale] } }));
    expect(codes(r)).toEqual(['REVOCATION_UNKNOWN']);
    expect(r.errors[0]?.detail).toContain('out of date');
    const soft = await validatePath(input(leaf, { revocation: { mode: 'prefer', crls: [rootCrl] } }));
    expect(soft.valid).toBe(true);
    expect(soft.warnings.map((w) => w.code)).toEqual(['REVOCATION_UNKNOWN']);
    expect((await validatePath(input(leaf, { revocation: { mode: 'off' } }))).valid).toBe(true);
  });

  it('uses OCSP: good, revoked, stale, and a delegated responder', async () => {
    const leaf = await issue('CN=erin', { issuer: inter });
    const interGood = await ocspResponse(inter, root, { status: 'good' });
    const run = async (leafResp: Uint8Array) => validatePath(input(leaf, { revocation: { mode: 'require', ocspResponses: [leafResp, interGood] } }));
    expect((await run(await ocspResponse(leaf, inter, { status: 'good' }))).valid).toBe(true);
    const revoked = await run(await ocspResponse(leaf, inter, { status: 'revoked', revokedAt: new Date('2026-02-20T00:00:00Z') }));
    expect(revoked.errors).toEqual([{ code: 'REVOKED', certIndex: 0, detail: 'The certificate "erin" was revoked on 2026-02-20 by Example Issuing CA 1.' }]);
    const stale = await run(await ocspResponse(leaf, inter, { status: 'good', thisUpdate: new Date(NOW.getTime() - 3 * DAY_MS), nextUpdate: new Date(NOW.getTime() - 2 * DAY_MS) }));
    expect(codes(stale)).toEqual(['REVOCATION_UNKNOWN']);
    expect(stale.errors[0]?.detail).toContain('OCSP response from "Example Issuing CA 1" is out of date');
    // Marked id-pkix-ocsp-nocheck: no CRL for the responder is at hand here (RFC 6960 §4.2.2.2.1).
    const responder = await issue('CN=OCSP Responder', { issuer: inter, eku: [OID.kpOcspSigning], extra: [new x509.Extension('1.3.6.1.5.5.7.48.1.5', false, new Uint8Array([0x05, 0x00]))] });
    expect((await run(await ocspResponse(leaf, inter, { status: 'good', responder }))).valid).toBe(true);
    const impostor = await issue('CN=Not a responder', { issuer: inter, eku: [OID.kpClientAuth] });
    expect(codes(await run(await ocspResponse(leaf, inter, { status: 'good', responder: impostor })))).toEqual(['REVOCATION_UNKNOWN']);
    // A response about another certificate does not count.
    const other = await issue('CN=other', { issuer: inter });
    expect(codes(await run(await ocspResponse(other, inter, { status: 'good' })))).toEqual(['REVOCATION_UNKNOWN']);
  });
});

describe('fetching through an injected fetch (a real HTTP server on loopback)', () => {
  let server: ReturnType<typeof createServer>;
  let base = '';
  const hits: string[] = [];
  let leafFetched: Issued;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        hits.push(`${req.method} ${req.url}`);
        void (async () => {
          if (req.url === '/inter.crl') {
            res.end(Buffer.from(interCrl));
          } else if (req.url === '/root.crl') {
            res.end(Buffer.from(rootCrl));
          } else if (req.url === '/ocsp' && req.method === 'POST') {
            // Echo the request nonce (RFC 8954) in a response signed by the CA.
            const request = AsnConvert.parse(Buffer.concat(chunks), ocspAsn.OCSPRequest);
            const nonceExt = request.tbsRequest.requestExtensions?.find((e) => e.extnID === '1.3.6.1.5.5.7.48.1.2');
            const nonce = nonceExt ? new Uint8Array(AsnConvert.parse(nonceExt.extnValue.buffer, (await import('@peculiar/asn1-schema')).OctetString).buffer) : undefined;
            res.setHeader('content-type', 'application/ocsp-response');
            res.end(Buffer.from(await ocspResponse(leafFetched, inter, { status: 'revoked', revokedAt: new Date('2026-02-25T00:00:00Z'), ...(nonce ? { nonce } : {}) })));
          } else {
            res.statusCode = 404;
            res.end();
          }
        })();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('fetches CRLs from the distribution points and caches them until nextUpdate', async () => {
    const ca = await issue('CN=Example Issuing CA 1, O=Tessera Test', { ca: true, issuer: root, keys: inter.keys, crlUrl: `${base}/root.crl` });
    const leaf = await issue('CN=frank', { issuer: inter, crlUrl: `${base}/inter.crl` });
    const cache = new CrlCache();
    const opts = { leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW, revocation: { mode: 'require' as const, fetch: globalThis.fetch, cache } };
    hits.length = 0;
    expect((await validatePath(opts)).errors).toEqual([]);
    expect(hits.sort()).toEqual(['GET /inter.crl', 'GET /root.crl']);
    expect((await validatePath(opts)).valid).toBe(true);
    expect(hits).toHaveLength(2); // served from the cache
  });

  it('asks the OCSP responder named in the AIA, with a nonce', async () => {
    leafFetched = await issue('CN=grace', { issuer: inter, ocspUrl: `${base}/ocsp` });
    hits.length = 0;
    const r = await validatePath(input(leafFetched, { revocation: { mode: 'require', crls: [rootCrl], fetch: globalThis.fetch, ocspNonce: true } }));
    expect(hits).toEqual(['POST /ocsp']);
    expect(r.errors).toEqual([{ code: 'REVOKED', certIndex: 0, detail: 'The certificate "grace" was revoked on 2026-02-25 by Example Issuing CA 1.' }]);
  });

  it('treats an unreachable server as unknown status', async () => {
    const leaf = await issue('CN=heidi', { issuer: inter, crlUrl: 'http://127.0.0.1:1/none.crl' });
    const r = await validatePath(input(leaf, { revocation: { mode: 'require', crls: [rootCrl], fetch: globalThis.fetch } }));
    expect(codes(r)).toEqual(['REVOCATION_UNKNOWN']);
  });
});
