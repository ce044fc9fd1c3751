// DNS rebinding: a page on http://attacker.example:PORT re-points its own name at the relay, so the
// browser sends Host and Origin that both name attacker.example. The relay's own names are
// configured (publicHosts) or, on loopback, the loopback names; any other Host gets 421 on every
// route but /healthz (RFC 9110 §15.5.20), and only its own names count as "same origin".
// The headers below are the ones a browser sends after rebinding (no DNS server is needed to show
// what the relay does with them).
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, RelayConfigError, startRelay } from '../../relay/index.ts';
import { openClient, startEchoServer, startTestRelay, type TcpTarget, type TestRelay } from './helpers.ts';

let echo: TcpTarget;
beforeAll(async () => { echo = await startEchoServer(); });
afterAll(async () => { await echo.close(); });

const target = () => `/ssh?host=127.0.0.1&port=${echo.port}`;

/** A session opens with these headers and carries data. */
async function opens(relay: TestRelay, headers: Record<string, string>, origin?: string) {
  const c = openClient(`${relay.url}${target()}`, undefined, { headers, ...(origin ? { origin } : {}) });
  await c.opened;
  c.ws.send(Buffer.from('ok'));
  expect((await c.waitFor(2)).toString()).toBe('ok');
  c.ws.close();
  await c.closed;
}

/** The upgrade is answered 421 and the target never sees a connection. */
async function misdirected(relay: TestRelay, headers: Record<string, string>, origin?: string) {
  const before = echo.accepted();
  const c = openClient(`${relay.url}${target()}`, undefined, { headers, ...(origin ? { origin } : {}) });
  await expect(c.opened).rejects.toThrow(/421/);
  expect(echo.accepted()).toBe(before);
}

/** GET over node:http, which sends the Host given (fetch would replace it). */
function get(relay: TestRelay, path: string, headers: Record<string, string>): Promise<{ status: number; text(): Promise<string> }> {
  return new Promise((resolve, reject) => {
    request(`${relay.http}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: async () => Buffer.concat(chunks).toString('utf8') }));
    }).on('error', reject).end();
  });
}

describe('DNS rebinding: the relay takes its own names from the configuration, never from the request', () => {
  it('loopback default: a rebound name gets 421 on the WebSocket and /metrics; the loopback names work', async () => {
    const relay = await startTestRelay({ targets: { allow: [`127.0.0.1:${echo.port}`] } });
    try {
      const rebound = `attacker.example:${relay.port}`;
      await misdirected(relay, { Host: rebound }, `http://${rebound}`);
      await relay.logged('misdirected', { host: rebound });
      const metrics = await get(relay, '/metrics', { Host: rebound });
      expect(metrics.status).toBe(421);
      expect(await metrics.text()).toMatch(/does not answer to the name 'attacker\.example:\d+'.*publicHosts/);
      expect((await get(relay, '/config.json', { Host: rebound })).status).toBe(421);
      // The right names on another port are another origin.
      await misdirected(relay, { Host: 'localhost:1' }, 'http://localhost:1');
      // /healthz answers any name (balancers' probes).
      expect((await get(relay, '/healthz', { Host: rebound })).status).toBe(200);
      // The relay's own loopback names, with its port, as Host and as Origin.
      for (const name of ['127.0.0.1', 'localhost', '[::1]']) {
        await opens(relay, { Host: `${name}:${relay.port}` }, `http://${name}:${relay.port}`);
      }
      expect((await get(relay, '/metrics', { Host: `localhost:${relay.port}` })).status).toBe(200);
      // Cross-site (the right Host, another page's Origin) stays 4403.
      const cross = openClient(`${relay.url}${target()}`, undefined, { origin: `http://attacker.example:${relay.port}` });
      expect((await cross.closed).code).toBe(CloseCode.ORIGIN_FORBIDDEN);
      expect(await (await get(relay, '/metrics', {})).text()).toMatch(/tessera_relay_refusals_total\{reason="MISDIRECTED"\} [3-9]/);
    } finally {
      await relay.close({ drainMs: 0 });
    }
  });

  it('publicHosts: Host must be one of them on every route, and Origin is compared to them', async () => {
    const relay = await startTestRelay({ publicHosts: ['ssh.example.com'], targets: { allow: [`127.0.0.1:${echo.port}`] } });
    try {
      await opens(relay, { Host: 'ssh.example.com' }, 'http://ssh.example.com');
      await opens(relay, { Host: 'ssh.example.com' }); // a non-browser client sends no Origin
      await misdirected(relay, { Host: 'attacker.example' }, 'http://attacker.example');
      await misdirected(relay, { Host: `127.0.0.1:${relay.port}` }); // loopback names are not implied once names are set
      expect((await get(relay, '/metrics', { Host: 'attacker.example' })).status).toBe(421);
      expect((await get(relay, '/metrics', { Host: 'ssh.example.com' })).status).toBe(200);
      // Right name, another page: 4403 (the Host check does not replace the Origin check).
      const cross = openClient(`${relay.url}${target()}`, undefined, { headers: { Host: 'ssh.example.com' }, origin: 'http://attacker.example' });
      expect((await cross.closed).code).toBe(CloseCode.ORIGIN_FORBIDDEN);
      // X-Forwarded-Host from an untrusted peer is ignored: Host still decides.
      await misdirected(relay, { Host: 'attacker.example', 'X-Forwarded-Host': 'ssh.example.com' }, 'http://ssh.example.com');
    } finally {
      await relay.close({ drainMs: 0 });
    }
  });

  it('behind a trusted proxy, X-Forwarded-Host (and -Proto) is the name checked', async () => {
    const relay = await startTestRelay({ trustedProxies: ['127.0.0.1/32'], publicHosts: ['ssh.example.com'], targets: { allow: [`127.0.0.1:${echo.port}`] } });
    try {
      const proxied = { Host: `127.0.0.1:${relay.port}`, 'X-Forwarded-Proto': 'https' };
      await opens(relay, { ...proxied, 'X-Forwarded-Host': 'ssh.example.com' }, 'https://ssh.example.com');
      await misdirected(relay, { ...proxied, 'X-Forwarded-Host': 'attacker.example' }, 'https://attacker.example');
      expect((await get(relay, '/metrics', { ...proxied, 'X-Forwarded-Host': 'attacker.example' })).status).toBe(421);
      // The page's scheme must match the one the proxy reports.
      const http = openClient(`${relay.url}${target()}`, undefined, { headers: { ...proxied, 'X-Forwarded-Host': 'ssh.example.com' }, origin: 'http://ssh.example.com' });
      expect((await http.closed).code).toBe(CloseCode.ORIGIN_FORBIDDEN);
    } finally {
      await relay.close({ drainMs: 0 });
    }
  });

  it('refuses to start beyond loopback with origins [] and no publicHosts, saying what to set', async () => {
    const start = startRelay({ config: { listen: { host: '0.0.0.0', port: 0 }, static: { dir: null } }, log: () => undefined });
    await expect(start).rejects.toBeInstanceOf(RelayConfigError);
    await expect(start).rejects.toThrow(/listens on 0\.0\.0\.0, beyond loopback.*set publicHosts/s);
    // With its names, or with listed page origins, it starts.
    for (const extra of [{ publicHosts: [`127.0.0.1:${echo.port}`] }, { origins: ['https://ssh.example.com'] }]) {
      const relay = await startRelay({ config: { listen: { host: '0.0.0.0', port: 0 }, static: { dir: null }, ...extra }, log: () => undefined });
      await relay.close({ drainMs: 0 });
    }
  });
});
