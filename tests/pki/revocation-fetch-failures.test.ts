// CRL and OCSP fetches that fail (a real HTTP server on loopback). A responder that accepted the connection and never
// answered held validatePath forever, so under `require` the card could neither sign nor be refused; and a failed
// fetch left only "no CRL ... was available", without the URL or what went wrong.
import 'reflect-metadata';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CRLDistributionPointsExtension } from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePath } from '../../pki/index.ts';
import type { FetchLike, RevocationMode, ValidationResult } from '../../pki/index.ts';
import { NOW, crl, issue } from './test-pki.ts';
import type { Issued } from './test-pki.ts';

let root: Issued;
let ca: Issued;
let rootCrl: Uint8Array;
let server: ReturnType<typeof createServer>;
let base = '';
const stalled: ServerResponse[] = [];

beforeAll(async () => {
  root = await issue('CN=Fetch Root', { ca: true });
  ca = await issue('CN=Fetch CA', { ca: true, issuer: root });
  rootCrl = (await crl(root)).der;
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    if (req.url === '/stall') {
      stalled.push(res); // accepted, never answered
    } else if (req.url === '/junk') {
      res.end('<html>not a CRL</html>');
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of stalled) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** `fetchTimeoutMs` short only where the server never answers: the timeout is then the only thing that can happen. */
async function check(leaf: Issued, mode: RevocationMode, fetch: FetchLike = globalThis.fetch, fetchTimeoutMs?: number): Promise<ValidationResult> {
  return validatePath({
    leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW,
    revocation: { mode, crls: [rootCrl], fetch, ...(fetchTimeoutMs === undefined ? {} : { fetchTimeoutMs }) },
  });
}

describe('a revocation fetch that never answers', () => {
  it('ends as REVOCATION_UNKNOWN under require, naming the URL and the timeout, and aborts the fetch', async () => {
    const leaf = await issue('CN=stalled', { issuer: ca, crlUrl: `${base}/stall` });
    const signals: AbortSignal[] = [];
    const spy: FetchLike = (url, init) => {
      if (init?.signal) signals.push(init.signal);
      return globalThis.fetch(url, init);
    };
    const r = await check(leaf, 'require', spy, 300);
    expect(r.valid).toBe(false);
    expect(r.errors).toEqual([{
      code: 'REVOCATION_UNKNOWN', certIndex: 0,
      detail: `The revocation status of "stalled" is unknown: no CRL from "CN=Fetch CA" was available (${base}/stall gave no answer within 0.3 s).`,
    }]);
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(true);
  }, 30_000);

  it('is a warning under prefer', async () => {
    const leaf = await issue('CN=stalled soft', { issuer: ca, crlUrl: `${base}/stall` });
    const r = await check(leaf, 'prefer', globalThis.fetch, 300);
    expect(r.valid).toBe(true);
    expect(r.warnings.map((w) => w.code)).toEqual(['REVOCATION_UNKNOWN']);
    expect(r.warnings[0]?.detail).toContain('gave no answer within 0.3 s');
  }, 30_000);

  it('does not stop the CRL check after a stalled OCSP responder', async () => {
    const leaf = await issue('CN=ocsp stalled', { issuer: ca, ocspUrl: `${base}/stall` });
    const r = await validatePath({
      leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW,
      revocation: { mode: 'require', crls: [rootCrl, (await crl(ca)).der], fetch: globalThis.fetch, fetchTimeoutMs: 300 },
    });
    expect(r.errors).toEqual([]);
    expect(r.valid).toBe(true);
  }, 30_000);
});

describe('the verdict says why a fetch gave nothing', () => {
  it('names an HTTP error status, a body that is not a CRL, and a URL scheme that is not fetched', async () => {
    const leaf = await issue('CN=three urls', {
      issuer: ca,
      extra: [new CRLDistributionPointsExtension([`${base}/missing.crl`, `${base}/junk`, 'ldap://ldap.example/cn=Fetch%20CA?certificateRevocationList'])],
    });
    const r = await check(leaf, 'require');
    expect(r.errors.map((e) => e.code)).toEqual(['REVOCATION_UNKNOWN']);
    const detail = r.errors[0]?.detail ?? '';
    expect(detail).toContain(`${base}/missing.crl answered with HTTP status 404`);
    expect(detail).toContain(`${base}/junk did not answer with a CRL`);
    expect(detail).toContain('ldap://ldap.example/cn=Fetch%20CA?certificateRevocationList was not fetched (only http and https are)');
  }, 30_000);
});
