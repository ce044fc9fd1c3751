// cli/http-fetch.ts: the fetch behind CRLs, OCSP and `--card-cert URL`. pki/ aborts a fetch it gave up on (its
// timeout); before, the signal was dropped and the download ran on, and every body was buffered whole, however large.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpFetch, MAX_HTTP_BODY } from '../../cli/http-fetch.ts';

describe('tessera: HTTP fetches for revocation and certificates', () => {
  let server: Server;
  let base = '';
  const seen: string[] = [];
  const closed: string[] = [];
  const streaming = new Set<ServerResponse>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      req.socket.once('close', () => closed.push(req.url ?? ''));
      if (req.url === '/small') { res.end('0123456789'); return; }
      if (req.url === '/declared-huge') {
        res.writeHead(200, { 'content-length': String(MAX_HTTP_BODY + 1) });
        res.write('x');
        return;
      }
      if (req.url === '/endless') {
        // A body that never ends, written as fast as it is read.
        streaming.add(res);
        const chunk = Buffer.alloc(64 * 1024, 0x41);
        const pump = () => { while (!res.destroyed && res.write(chunk)); if (!res.destroyed) res.once('drain', pump); };
        pump();
        return;
      }
      // '/silent': headers never come.
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const res of streaming) res.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('reads a small body whole', async () => {
    const r = await httpFetch(`${base}/small`);
    expect(r.ok).toBe(true);
    expect(new TextDecoder().decode(await r.arrayBuffer())).toBe('0123456789');
  });

  it("stops the request when the caller's signal aborts (the server sees the connection close)", async () => {
    const abort = new AbortController();
    const pending = httpFetch(`${base}/silent`, { signal: abort.signal });
    await expect.poll(() => seen.includes('/silent'), { timeout: 20_000 }).toBe(true);
    abort.abort();
    await expect(pending).rejects.toThrow(/abort/i);
    await expect.poll(() => closed.includes('/silent'), { timeout: 20_000 }).toBe(true);
  });

  it('refuses a body declared larger than the limit without reading it', async () => {
    const r = await httpFetch(`${base}/declared-huge`);
    await expect(r.arrayBuffer()).rejects.toThrow(`${base}/declared-huge sent more than ${MAX_HTTP_BODY >> 20} MiB`);
  });

  it('refuses an endless body once past the limit, and closes the download', async () => {
    const r = await httpFetch(`${base}/endless`);
    await expect(r.arrayBuffer()).rejects.toThrow(`${base}/endless sent more than ${MAX_HTTP_BODY >> 20} MiB`);
    await expect.poll(() => closed.includes('/endless'), { timeout: 20_000 }).toBe(true);
  });
});
