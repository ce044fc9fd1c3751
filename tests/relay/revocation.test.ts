// /revocation under load from anyone (no credentials needed): URLs are canonical and carry no
// fragment, the cache is bounded by bytes, concurrent requests for one URL share one fetch, and
// fetches in flight are capped (503 above the cap); answers get a fixed type. The upstream is a
// CA's plain-HTTP server on loopback serving CRLs with a nextUpdate (so they are cacheable).
import 'reflect-metadata';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, CertificateList, Name, TBSCertList, Time } from '@peculiar/asn1-x509';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestRelay, type TestRelay } from './helpers.ts';

/** A CRL of about `size` bytes valid for an hour (the signature is padding: the relay does not verify). */
function crlOfSize(size: number): Buffer {
  const ecdsa = new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' });
  const tbs = new TBSCertList({ signature: ecdsa, issuer: new Name(), thisUpdate: new Time(new Date()), nextUpdate: new Time(new Date(Date.now() + 3600_000)) });
  return Buffer.from(AsnConvert.serialize(new CertificateList({ tbsCertList: tbs, signatureAlgorithm: ecdsa, signature: new Uint8Array(size).buffer })));
}

const crl = crlOfSize(100_000);
let ca: Server;
let base = '';
const hits = new Map<string, number>();
/** Requests held until the test lets them go (path -> responders). */
const held = new Map<string, Array<() => void>>();
let holdPaths = new Set<string>();

beforeAll(async () => {
  ca = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    // Under /evil/ the server is hostile (or an on-path attacker rewrote it): HTML and script types.
    if (path.startsWith('/evil/')) {
      res.writeHead(200, { 'Content-Type': req.method === 'POST' ? 'text/javascript' : 'text/html' });
      res.end('<h1>served by the relay origin</h1><script>alert(1)</script>');
      return;
    }
    const answer = () => { res.writeHead(200, { 'Content-Type': 'application/pkix-crl' }); res.end(crl); };
    if (holdPaths.has(path)) held.set(path, [...(held.get(path) ?? []), answer]);
    else answer();
  });
  await new Promise<void>((r) => ca.listen(0, '127.0.0.1', r));
  const a = ca.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(async () => { await new Promise((r) => ca.close(r)); });
beforeEach(() => { hits.clear(); held.clear(); holdPaths = new Set(); });

const ask = (relay: TestRelay, url: string) => fetch(`${relay.http}/revocation?url=${encodeURIComponent(url)}`);
const release = (path: string) => { for (const answer of held.get(path) ?? []) answer(); held.delete(path); };
async function untilHeld(path: string, n = 1) {
  await expect.poll(() => held.get(path)?.length ?? 0, { timeout: 20_000 }).toBe(n);
}
const metricsOf = async (relay: TestRelay) => (await fetch(`${relay.http}/metrics`)).text();

describe('/revocation: bounded work for unauthenticated callers', () => {
  it('refuses a URL with a fragment, and caches spellings of one URL as one (canonical href)', async () => {
    const relay = await startTestRelay({ revocation: { allow: [`${base}/`] } });
    try {
      for (const frag of ['#1', '#', '#x/../']) {
        const res = await ask(relay, `${base}/ca.crl${frag}`);
        expect(res.status).toBe(400);
        expect(await res.text()).toMatch(/no fragment/);
      }
      expect(hits.size).toBe(0); // nothing was fetched for them
      const port = base.split(':')[2];
      for (const spelling of [`${base}/ca.crl`, `HTTP://127.0.0.1:${port}/ca.crl`, `${base}/x/../ca.crl`, `${base}/./ca.crl`]) {
        const res = await ask(relay, spelling);
        expect(res.status, spelling).toBe(200);
        expect(Buffer.from(await res.arrayBuffer()).equals(crl)).toBe(true);
      }
      expect(hits.get('/ca.crl')).toBe(1);
    } finally {
      await relay.close({ drainMs: 0 });
    }
  });

  it('bounds the cache by total bytes (cacheBytes), evicting the oldest answer', async () => {
    const relay = await startTestRelay({ revocation: { allow: [`${base}/crl/`], cacheBytes: 250_000 } });
    try {
      for (const n of [1, 2, 3]) expect((await ask(relay, `${base}/crl/${n}`)).status).toBe(200);
      // 3 x 100 kB do not fit in 250 kB: the first went, the last two stay.
      for (const n of [3, 2, 1]) await (await ask(relay, `${base}/crl/${n}`)).arrayBuffer();
      expect([1, 2, 3].map((n) => hits.get(`/crl/${n}`))).toEqual([2, 1, 1]);
      const metrics = await (await fetch(`${relay.http}/metrics`)).text();
      expect(metrics).toContain('tessera_relay_revocation_fetches_total{result="cached"} 2');
    } finally {
      await relay.close({ drainMs: 0 });
    }
  });

  it('coalesces concurrent requests for one URL into one upstream fetch', async () => {
    const relay = await startTestRelay({ revocation: { allow: [`${base}/`] } });
    try {
      holdPaths.add('/slow.crl');
      const answers = Array.from({ length: 8 }, () => ask(relay, `${base}/slow.crl`));
      await untilHeld('/slow.crl');
      // The other seven have joined the fetch in flight (counted as they arrive): released before they arrive, they
      // would be answered from the cache instead.
      await expect.poll(() => metricsOf(relay), { timeout: 20_000 }).toContain('tessera_relay_revocation_fetches_total{result="coalesced"} 7');
      release('/slow.crl');
      for (const res of await Promise.all(answers)) {
        expect(res.status).toBe(200);
        expect(Buffer.from(await res.arrayBuffer()).equals(crl)).toBe(true);
      }
      expect(hits.get('/slow.crl')).toBe(1);
      expect(await (await fetch(`${relay.http}/metrics`)).text()).toContain('tessera_relay_revocation_fetches_total{result="coalesced"} 7');
    } finally {
      release('/slow.crl');
      await relay.close({ drainMs: 0 });
    }
  });

  it('caps fetches in flight (maxInFlight): 503 above the cap, while a URL already being fetched still waits for it', async () => {
    const relay = await startTestRelay({ revocation: { allow: [`${base}/`], maxInFlight: 2 } });
    try {
      holdPaths = new Set(['/a.crl', '/b.crl']);
      const a = ask(relay, `${base}/a.crl`);
      const b = ask(relay, `${base}/b.crl`);
      await untilHeld('/a.crl');
      await untilHeld('/b.crl');
      const c = await ask(relay, `${base}/c.crl`);
      expect(c.status).toBe(503);
      expect(c.headers.get('retry-after')).toBe('1');
      expect(hits.get('/c.crl')).toBeUndefined();
      const a2 = ask(relay, `${base}/a.crl`); // joins the fetch of /a.crl: not refused
      await expect.poll(() => metricsOf(relay), { timeout: 20_000 }).toContain('tessera_relay_revocation_fetches_total{result="coalesced"} 1');
      release('/a.crl');
      release('/b.crl');
      for (const res of await Promise.all([a, b, a2])) expect(res.status).toBe(200);
      expect(hits.get('/a.crl')).toBe(1);
      // Below the cap again.
      expect((await ask(relay, `${base}/c.crl`)).status).toBe(200);
    } finally {
      release('/a.crl');
      release('/b.crl');
      await relay.close({ drainMs: 0 });
    }
  });
});

describe('/revocation answers are never rendered or run from the relay origin', () => {
  it('a fixed type per endpoint kind, whatever the upstream said, with attachment, nosniff and a sandbox CSP', async () => {
    const relay = await startTestRelay({ revocation: { allow: [`${base}/`] } });
    try {
      const crlAnswer = await ask(relay, `${base}/evil/page.html`);
      const ocspAnswer = await fetch(`${relay.http}/revocation?url=${encodeURIComponent(`${base}/evil/ocsp`)}`, { method: 'POST', body: new Uint8Array([0x30, 0]) });
      const ocspGet = await ask(relay, `${base}/evil/ocsp/MEQwQjBA`);
      for (const [res, type] of [[crlAnswer, 'application/pkix-crl'], [ocspAnswer, 'application/ocsp-response'], [ocspGet, 'application/ocsp-response']] as const) {
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe(type);
        expect(res.headers.get('content-disposition')).toBe('attachment');
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('content-security-policy')).toMatch(/^sandbox(;|$)/);
        expect(await res.text()).toContain('<script>'); // the bytes are passed on as they are, only never as HTML
      }
    } finally {
      await relay.close({ drainMs: 0 });
    }
  });
});
