// A CRL answer that never ends (from the server, or from whoever sits on the plain-HTTP path). The body was read whole
// with arrayBuffer() before its size was checked against the 10 MiB limit: the fetch held everything it was sent until
// the timeout, and the size check came too late. With the body as a stream, reading stops past the limit.
import 'reflect-metadata';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePath } from '../../pki/index.ts';
import type { FetchLike } from '../../pki/index.ts';
import { NOW, crl, issue } from './test-pki.ts';
import type { Issued } from './test-pki.ts';

const MIB = 1 << 20;
let root: Issued;
let ca: Issued;
let rootCrl: Uint8Array;
let server: ReturnType<typeof createServer>;
let base = '';

beforeAll(async () => {
  root = await issue('CN=Size Root', { ca: true });
  ca = await issue('CN=Size CA', { ca: true, issuer: root });
  rootCrl = (await crl(root)).der;
  const chunk = Buffer.alloc(64 * 1024, 0x30);
  server = createServer((req, res) => {
    req.resume();
    // An endless answer: a chunk whenever the socket takes one, until the client goes away.
    const more = (): void => {
      while (!res.destroyed && res.write(chunk)) { /* fill the socket */ }
      if (!res.destroyed) res.once('drain', more);
    };
    more();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('an endless CRL answer', () => {
  it('is read only up to 10 MiB, then cancelled, and named in the reason', async () => {
    const leaf = await issue('CN=endless', { issuer: ca, crlUrl: 'http://crl.example/endless.crl' });
    let pulled = 0;
    let cancelled = false;
    const fetch: FetchLike = async () => ({
      ok: true, status: 200,
      body: new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled += 64 * 1024;
          controller.enqueue(new Uint8Array(64 * 1024));
        },
        cancel() {
          cancelled = true;
        },
      }),
      arrayBuffer: () => new Promise<ArrayBuffer>(() => undefined), // what reading all of an endless body does
    });
    const r = await validatePath({
      leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW,
      revocation: { mode: 'require', crls: [rootCrl], fetch, fetchTimeoutMs: 60_000 },
    });
    expect(r.errors.map((e) => e.code)).toEqual(['REVOCATION_UNKNOWN']);
    expect(r.errors[0]?.detail).toContain('http://crl.example/endless.crl answered with more than 10 MiB');
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThanOrEqual(10 * MIB + 2 * 64 * 1024);
  }, 30_000);

  it('from a real HTTP server through fetch ends at the limit, not at the timeout', async () => {
    const leaf = await issue('CN=endless over http', { issuer: ca, crlUrl: `${base}/endless.crl` });
    const r = await validatePath({
      leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW,
      revocation: { mode: 'require', crls: [rootCrl], fetch: globalThis.fetch, fetchTimeoutMs: 600_000 },
    });
    expect(r.errors.map((e) => e.code)).toEqual(['REVOCATION_UNKNOWN']);
    expect(r.errors[0]?.detail).toContain(`${base}/endless.crl answered with more than 10 MiB`);
  }, 60_000);
});
