// TLS served by the relay: wss, HSTS, and mutual TLS as the authentication (client
// certificates issued by a test CA made with the openssl command line).
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../relay/index.ts';
import { requireExecutable } from '../support/index.ts';
import { openClient, startEchoServer, startTestRelay, type TcpTarget } from './helpers.ts';

let dir: string;
let echo: TcpTarget;
const pem: Record<string, Buffer> = {};

function openssl(...args: string[]): void {
  execFileSync(requireExecutable('/usr/bin/openssl', 'Debian package openssl'), args, { cwd: dir, stdio: 'pipe' });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-relay-tls-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Test Relay CA');
  openssl('req', '-x509', ...ec, '-keyout', 'server.key', '-out', 'server.pem', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1');
  openssl('req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=alice@example.com');
  openssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '2');
  openssl('req', '-x509', ...ec, '-keyout', 'rogue.key', '-out', 'rogue.pem', '-days', '2', '-subj', '/CN=mallory');
  for (const f of ['server.pem', 'client.pem', 'client.key', 'rogue.pem', 'rogue.key']) pem[f] = await readFile(join(dir, f));
  echo = await startEchoServer();
});
afterAll(async () => {
  await echo.close();
  await rm(dir, { recursive: true, force: true });
});

describe('TLS', () => {
  it('serves wss and HSTS when it terminates TLS itself', async () => {
    const relay = await startTestRelay({ tls: { cert: join(dir, 'server.pem'), key: join(dir, 'server.key') }, targets: { allow: [`127.0.0.1:${echo.port}`] } });
    try {
      expect(relay.url).toMatch(/^wss:/);
      const c = openClient(`${relay.url}/ssh?host=127.0.0.1&port=${echo.port}`, undefined, { ca: pem['server.pem'] });
      await c.opened;
      c.ws.send(Buffer.from('over tls'));
      expect((await c.waitFor(8)).toString()).toBe('over tls');
      c.ws.close();
      await c.closed;
      const { request } = await import('node:https');
      const hsts = await new Promise<string | undefined>((resolve, reject) => {
        request(`${relay.http}/healthz`, { ca: pem['server.pem'] }, (res) => { res.resume(); resolve(res.headers['strict-transport-security']); }).on('error', reject).end();
      });
      expect(hsts).toMatch(/max-age=\d+/);
    } finally {
      await relay.close({ drainMs: 0 });
    }
  });

  it('mutual TLS: no certificate gives 4401, an untrusted one 4402, a CA-issued one opens as its subject', async () => {
    const relay = await startTestRelay({
      tls: { cert: join(dir, 'server.pem'), key: join(dir, 'server.key'), clientCa: join(dir, 'ca.pem') },
      auth: { mode: 'mtls' },
      targets: { allow: [`127.0.0.1:${echo.port}`] },
    });
    const url = `${relay.url}/ssh?host=127.0.0.1&port=${echo.port}`;
    try {
      expect((await openClient(url, undefined, { ca: pem['server.pem'] }).closed).code).toBe(CloseCode.AUTH_REQUIRED);
      await relay.logged('refused', { code: 'AUTH_REQUIRED' });
      expect((await openClient(url, undefined, { ca: pem['server.pem'], cert: pem['rogue.pem'], key: pem['rogue.key'] }).closed).code).toBe(CloseCode.AUTH_INVALID);
      await relay.logged('refused', { code: 'AUTH_INVALID' });
      const ok = openClient(url, undefined, { ca: pem['server.pem'], cert: pem['client.pem'], key: pem['client.key'] });
      await ok.opened;
      ok.ws.close();
      await ok.closed;
      expect((await relay.logged('session'))['who']).toBe('cert:alice@example.com');
    } finally {
      await relay.close({ drainMs: 0 });
    }
  });
});
