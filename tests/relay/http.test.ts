// The relay's HTTP side: /healthz, /metrics, /config.json, the revocation fetch endpoint
// (CRL cached until nextUpdate, allowlist, size limit, OCSP POST), and X-Forwarded-For
// from a trusted proxy.
import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import { X509CrlGenerator } from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../relay/index.ts';
import { openClient, startEchoServer, startTestRelay, type TcpTarget } from './helpers.ts';

let echo: TcpTarget;
let pkiServer: Server;
let pkiBase = '';
const hits: Record<string, number> = {};
let crlDer: Uint8Array;
const nextUpdate = new Date(Date.now() + 3600_000);

beforeAll(async () => {
  echo = await startEchoServer();
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const crl = await X509CrlGenerator.create({
    issuer: 'CN=Test CA', thisUpdate: new Date(), nextUpdate,
    signingKey: keys.privateKey, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  crlDer = new Uint8Array(crl.rawData);
  // A CA's plain-HTTP distribution point and OCSP responder, on loopback.
  pkiServer = createServer((req, res) => {
    hits[req.url ?? ''] = (hits[req.url ?? ''] ?? 0) + 1;
    if (req.url === '/ca.crl') { res.writeHead(200, { 'Content-Type': 'application/pkix-crl' }); res.end(crlDer); return; }
    if (req.url === '/huge.crl') { res.writeHead(200); res.end(Buffer.alloc(300_000)); return; }
    if (req.url === '/ocsp' && req.method === 'POST') {
      const body: Buffer[] = [];
      req.on('data', (d: Buffer) => body.push(d));
      req.on('end', () => { res.writeHead(200, { 'Content-Type': 'application/ocsp-response' }); res.end(Buffer.concat([Buffer.from('echo:'), ...body])); });
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => pkiServer.listen(0, '127.0.0.1', r));
  const a = pkiServer.address();
  pkiBase = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(async () => {
  await echo.close();
  await new Promise((r) => pkiServer.close(r));
});

describe('HTTP endpoints', () => {
  it('/healthz, /config.json and /metrics with connections, bytes, refusals and durations', async () => {
    const relay = await startTestRelay({ targets: { allow: [`127.0.0.1:${echo.port}`] }, site: { kiosk: true, relay: '/ssh' } });
    try {
      expect(await (await fetch(`${relay.http}/config.json`)).json()).toEqual({ kiosk: true, relay: '/ssh' });
      const c = openClient(`${relay.url}/ssh?host=127.0.0.1&port=${echo.port}`);
      await c.opened;
      c.ws.send(Buffer.alloc(1000, 7));
      await c.waitFor(1000);
      let text = await (await fetch(`${relay.http}/metrics`)).text();
      expect(text).toContain('tessera_relay_sessions_active 1');
      expect(text).toContain('tessera_relay_bytes_total{direction="up"} 1000');
      c.ws.close();
      await c.closed;
      expect((await openClient(`${relay.url}/ssh?host=127.0.0.1&port=1`).closed).code).toBe(CloseCode.TARGET_FORBIDDEN);
      await relay.logged('session');
      text = await (await fetch(`${relay.http}/metrics`)).text();
      expect(text).toContain('tessera_relay_sessions_active 0');
      expect(text).toContain('tessera_relay_sessions_total 1');
      expect(text).toContain('tessera_relay_bytes_total{direction="down"} 1000');
      expect(text).toContain('tessera_relay_refusals_total{reason="TARGET_FORBIDDEN"} 1');
      expect(text).toMatch(/tessera_relay_session_duration_seconds_count 1/);
      expect((await fetch(`${relay.http}/healthz`)).status).toBe(200);
      const closing = relay.close({ drainMs: 300 });
      await new Promise((r) => setTimeout(r, 50));
      await closing;
    } finally {
      await relay.close({ drainMs: 0 });
    }
  });

  it('believes X-Forwarded-For only from a trusted proxy', async () => {
    const relay = await startTestRelay({ trustedProxies: ['127.0.0.1/32'], metricsAllow: ['127.0.0.0/8'], targets: { allow: [`127.0.0.1:${echo.port}`] }, limits: { perIp: 1 } });
    try {
      // Through the "proxy" (127.0.0.1) for an outside client: metrics are refused to it.
      expect((await fetch(`${relay.http}/metrics`, { headers: { 'X-Forwarded-For': '203.0.113.9' } })).status).toBe(403);
      expect((await fetch(`${relay.http}/metrics`)).status).toBe(200);
      // Per-IP limits count the forwarded client, not the proxy.
      const a = openClient(`${relay.url}/ssh?host=127.0.0.1&port=${echo.port}`, undefined, { headers: { 'X-Forwarded-For': '203.0.113.9' } });
      const b = openClient(`${relay.url}/ssh?host=127.0.0.1&port=${echo.port}`, undefined, { headers: { 'X-Forwarded-For': '203.0.113.10' } });
      await Promise.all([a.opened, b.opened]);
      const c = openClient(`${relay.url}/ssh?host=127.0.0.1&port=${echo.port}`, undefined, { headers: { 'X-Forwarded-For': '203.0.113.9' } });
      expect((await c.closed).code).toBe(CloseCode.LIMIT_PER_IP);
      expect((await relay.logged('refused', { code: 'LIMIT_PER_IP' }))['from']).toBe('203.0.113.9');
      a.ws.close();
      b.ws.close();
      await Promise.all([a.closed, b.closed]);
    } finally {
      await relay.close({ drainMs: 0 });
    }
    // Not trusted: the header is ignored.
    const plain = await startTestRelay({ metricsAllow: ['127.0.0.0/8'] });
    try {
      expect((await fetch(`${plain.http}/metrics`, { headers: { 'X-Forwarded-For': '203.0.113.9' } })).status).toBe(200);
    } finally {
      await plain.close({ drainMs: 0 });
    }
  });
});

describe('revocation fetch', () => {
  it('fetches an allowlisted CRL once and serves it from cache until nextUpdate', async () => {
    const relay = await startTestRelay({ revocation: { allow: [`${pkiBase}/ca.crl`, `${pkiBase}/ocsp`, `${pkiBase}/huge.crl`], maxBytes: 100_000 } });
    try {
      const url = `${relay.http}/revocation?url=${encodeURIComponent(`${pkiBase}/ca.crl`)}`;
      for (let i = 0; i < 3; i++) {
        const res = await fetch(url);
        expect(res.status).toBe(200);
        expect(new Uint8Array(await res.arrayBuffer())).toEqual(crlDer);
        const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get('cache-control') ?? '')?.[1]);
        expect(maxAge).toBeGreaterThan(3500);
        expect(maxAge).toBeLessThanOrEqual(3600);
      }
      expect(hits['/ca.crl']).toBe(1);
      await relay.logged('revocation-fetched', { nextUpdate: new Date(Math.floor(nextUpdate.getTime() / 1000) * 1000).toISOString() });
      // OCSP POST is forwarded with its body.
      const ocsp = await fetch(`${relay.http}/revocation?url=${encodeURIComponent(`${pkiBase}/ocsp`)}`, { method: 'POST', body: new Uint8Array([0x30, 0x03, 1, 2, 3]) });
      expect(ocsp.status).toBe(200);
      expect(Buffer.from(await ocsp.arrayBuffer()).toString('latin1')).toBe('echo:\x30\x03\x01\x02\x03');
    } finally {
      await relay.close({ drainMs: 0 });
    }
  });

  it('refuses URLs off the allowlist and responses over the size limit', async () => {
    const relay = await startTestRelay({ revocation: { allow: [`${pkiBase}/huge.crl`], maxBytes: 100_000 } });
    try {
      const off = await fetch(`${relay.http}/revocation?url=${encodeURIComponent('http://169.254.169.254/latest/meta-data')}`);
      expect(off.status).toBe(403);
      await relay.logged('revocation-refused');
      const huge = await fetch(`${relay.http}/revocation?url=${encodeURIComponent(`${pkiBase}/huge.crl`)}`);
      expect(huge.status).toBe(502);
      expect(await huge.text()).toMatch(/larger than 100000 bytes/);
    } finally {
      await relay.close({ drainMs: 0 });
    }
  });
});
