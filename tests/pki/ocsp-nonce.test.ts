// An OCSP answer without the request's nonce (RFC 8954) may be a replay, so a "good" in it proves nothing now. A
// revocation in it, though, is final (RFC 5280 §5.3.1) whenever the authentic answer was made. Before, with
// `ocspNonce` on, a responder serving pre-produced answers (RFC 5019 §2.1.1 lets it ignore nonces; most CDN-fronted
// responders do) turned a revoked card into "status unknown", and `prefer` accepted it with a warning.
import 'reflect-metadata';
import { createServer } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePath } from '../../pki/index.ts';
import type { ValidationResult } from '../../pki/index.ts';
import { NOW, crl, issue, ocspResponse } from './test-pki.ts';
import type { Issued, OcspOptions } from './test-pki.ts';

let root: Issued;
let ca: Issued;
let rootCrl: Uint8Array;
let server: Server;
let base: string;
/** What the responder serves next, the same bytes whatever the request's nonce. */
let answer: Uint8Array = new Uint8Array();
let asked = 0;

beforeAll(async () => {
  root = await issue('CN=Nonce Root', { ca: true });
  ca = await issue('CN=Nonce CA', { ca: true, issuer: root });
  rootCrl = (await crl(root)).der;
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      asked += 1;
      res.setHeader('content-type', 'application/ocsp-response');
      res.end(Buffer.from(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function run(name: string, o: OcspOptions): Promise<ValidationResult> {
  const leaf = await issue(`CN=${name}`, { issuer: ca, ocspUrl: `${base}/ocsp` });
  answer = await ocspResponse(leaf, ca, o);
  const before = asked;
  const r = await validatePath({
    leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW,
    revocation: { mode: 'prefer', crls: [rootCrl], fetch: globalThis.fetch, ocspNonce: true },
  });
  expect(asked - before).toBe(1);
  return r;
}

describe('an OCSP answer without the nonce of the request', () => {
  it('still revokes', async () => {
    const r = await run('replayed revoked card', { status: 'revoked', revokedAt: new Date('2026-02-09T12:00:00Z') });
    expect(r.valid).toBe(false);
    expect(r.errors).toEqual([{ code: 'REVOKED', certIndex: 0, detail: 'The certificate "replayed revoked card" was revoked on 2026-02-09 by Nonce CA.' }]);
  });

  it('proves nothing when it says "good"', async () => {
    const r = await run('replayed good card', { status: 'good' });
    expect(r.valid).toBe(true);
    expect(r.warnings.map((w) => w.code)).toEqual(['REVOCATION_UNKNOWN']);
    expect(r.warnings[0]?.detail).toContain('does not carry the nonce of the request');
  });

  it('with another nonce: the same', async () => {
    const other = new Uint8Array(16).fill(9);
    expect((await run('other-nonce revoked card', { status: 'revoked', nonce: other })).errors.map((e) => e.code)).toEqual(['REVOKED']);
    expect((await run('other-nonce good card', { status: 'good', nonce: other })).warnings.map((w) => w.code)).toEqual(['REVOCATION_UNKNOWN']);
  });
});
