// Stapled OCSP responses (RFC 6187 servers, files) that match the CertID but cannot be used must not stop the
// live check: the CertID is public, so anyone can staple one (review 9, finding 1). Real HTTP responder on loopback.
import 'reflect-metadata';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_POLICY, OID, validatePath } from '../../pki/index.ts';
import type { RevocationMode } from '../../pki/index.ts';
import { DAY_MS, NOW, crl, issue, ocspResponse } from './test-pki.ts';
import type { Issued } from './test-pki.ts';

let root: Issued;
let ca: Issued;
let leaf: Issued;
let rootCrl: Uint8Array;
let server: ReturnType<typeof createServer>;
let url = '';
let requests = 0;
let answer: 'revoked' | 'none' = 'revoked';

beforeAll(async () => {
  root = await issue('CN=Staple Root', { ca: true });
  ca = await issue('CN=Host CA', { ca: true, issuer: root });
  rootCrl = (await crl(root)).der;
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      void (async () => {
        if (answer === 'none') { res.statusCode = 503; res.end(); return; }
        res.setHeader('content-type', 'application/ocsp-response');
        res.end(Buffer.from(await ocspResponse(leaf, ca, { status: 'revoked', revokedAt: new Date('2026-02-20T00:00:00Z') })));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ocsp`;
  // Published by OCSP only (AIA, no CRL distribution point); the responder says "revoked".
  leaf = await issue('CN=ssh.example', { issuer: ca, eku: [OID.kpSecureShellServer], ocspUrl: url });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const run = (staple: Uint8Array, mode: RevocationMode) => validatePath({
  leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW, policy: { leaf: HOST_POLICY },
  revocation: { mode, fetch: globalThis.fetch, crls: [rootCrl], ocspResponses: [staple] },
});

const unusable: [string, () => Promise<Uint8Array>][] = [
  ['signed by a key the CA never authorised', async () => ocspResponse(leaf, ca, { status: 'good', responder: await issue('CN=Anyone') })],
  ['out of date', () => ocspResponse(leaf, ca, { status: 'good', thisUpdate: new Date(NOW.getTime() - 3 * DAY_MS), nextUpdate: new Date(NOW.getTime() - 2 * DAY_MS) })],
  ['with status unknown', () => ocspResponse(leaf, ca, { status: 'unknown' })],
];

describe('an unusable stapled OCSP response', () => {
  for (const [what, make] of unusable) {
    for (const mode of ['prefer', 'require'] as const) {
      it(`${what}: the responder in the AIA is still asked, and its "revoked" refuses the host (${mode})`, async () => {
        answer = 'revoked';
        requests = 0;
        const r = await run(await make(), mode);
        expect(requests).toBe(1);
        expect(r.valid).toBe(false);
        expect(r.errors).toEqual([{ code: 'REVOKED', certIndex: 0, detail: 'The certificate "ssh.example" was revoked on 2026-02-20 by Host CA.' }]);
      });
    }
  }

  it('is kept as a reason when the responder cannot be reached either', async () => {
    answer = 'none';
    requests = 0;
    const r = await run(await ocspResponse(leaf, ca, { status: 'good', responder: await issue('CN=Anyone') }), 'require');
    expect(requests).toBe(1);
    expect(r.errors.map((e) => e.code)).toEqual(['REVOCATION_UNKNOWN']);
    expect(r.errors[0]?.detail).toContain('the OCSP responder certificate "Anyone" is not issued by "Host CA"');
  });

  it('a usable staple still answers without asking the responder', async () => {
    answer = 'revoked';
    requests = 0;
    const r = await run(await ocspResponse(leaf, ca, { status: 'good' }), 'require');
    expect(r.errors).toEqual([]);
    expect(requests).toBe(0);
  });
});
