// Load: 500 concurrent sessions through one relay process, to a local TCP echo server and to
// a real sshd, each verified; memory per idle session measured (printed, not asserted).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type SshServerPeer } from '../peers/index.ts';
import { startChildRelay, type ChildRelay } from './child-relay.ts';
import { openClient, startEchoServer, type TcpTarget, type TestClient } from './helpers.ts';

const SESSIONS = 500;
let dir: string;
let echo: TcpTarget;
let sshd: SshServerPeer;
let relay: ChildRelay;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-relay-load-'));
  echo = await startEchoServer();
  sshd = await startSshd({ hostKeyTypes: ['ed25519'], hostCertificates: false, logLevel: 'ERROR', config: { MaxStartups: '2000', LoginGraceTime: '120' } });
  relay = await startChildRelay(dir, 'load', {
    listen: { host: '127.0.0.1', port: 0 },
    targets: { allow: [`127.0.0.1:${echo.port}`, `127.0.0.1:${sshd.port}`] },
    limits: { perIp: 5000, global: 5000 },
    static: { dir: null },
  });
}, 60_000);
afterAll(async () => {
  await relay?.peer.stop();
  await sshd?.stop();
  await echo?.close();
  await rm(dir, { recursive: true, force: true });
});

async function openMany(url: string, n: number): Promise<TestClient[]> {
  const clients = Array.from({ length: n }, () => openClient(url));
  await Promise.all(clients.map((c) => c.opened));
  return clients;
}

async function closeAll(clients: readonly TestClient[]): Promise<void> {
  for (const c of clients) c.ws.close(1000);
  await Promise.all(clients.map((c) => c.closed));
}

describe('load', () => {
  it(`${SESSIONS} concurrent sessions to a TCP echo server: every byte comes back in order`, async () => {
    const before = relay.rss();
    const clients = await openMany(`${relay.url}/ssh?host=127.0.0.1&port=${echo.port}`, SESSIONS);
    // All sessions are joined once the echo server holds every connection.
    await expect.poll(() => echo.connections.size, { timeout: 20_000 }).toBe(SESSIONS);
    await new Promise((r) => setTimeout(r, 300));
    const idle = relay.rss();
    const perSession = (idle - before) / SESSIONS;
    console.log(`relay memory per idle session: ${(perSession / 1024).toFixed(1)} KiB (RSS ${(before / 2 ** 20).toFixed(1)} -> ${(idle / 2 ** 20).toFixed(1)} MiB for ${SESSIONS}); about ${Math.floor(2 ** 30 / Math.max(perSession, 1))} idle sessions per GiB`);
    const payloads = clients.map(() => randomBytes(64 * 1024));
    clients.forEach((c, i) => {
      const p = payloads[i]!;
      for (let off = 0; off < p.length; off += 16 * 1024) c.ws.send(p.subarray(off, off + 16 * 1024));
    });
    const received = await Promise.all(clients.map((c) => c.waitFor(64 * 1024, 60_000)));
    received.forEach((got, i) => expect(got.equals(payloads[i]!), `session ${i}`).toBe(true));
    await closeAll(clients);
    await expect.poll(() => relay.logs().filter((l) => l['event'] === 'session' && l['bytesUp'] === 64 * 1024 && l['bytesDown'] === 64 * 1024).length, { timeout: 20_000 }).toBe(SESSIONS);
  }, 120_000);

  it(`${SESSIONS} concurrent sessions to a real sshd: each receives the SSH banner`, async () => {
    // sshd accepts with a listen backlog of 128 and forks per connection: 500 SYNs at once
    // overflow its accept queue (connections the kernel then drops, whatever the client).
    // So sessions are opened in waves; all 500 are open at the same time at the end.
    const clients: TestClient[] = [];
    const banners: string[] = [];
    const started = Date.now();
    for (let wave = 0; wave < SESSIONS; wave += 50) {
      const batch = await openMany(`${relay.url}/ssh?host=127.0.0.1&port=${sshd.port}`, 50);
      clients.push(...batch);
      // sshd sends its identification string (RFC 4253 §4.2) first, unprompted.
      banners.push(...await Promise.all(batch.map((c) => c.waitFor(21, 60_000).then((b) => b.toString('latin1'), (e: Error) => e.message))));
    }
    console.log(`${SESSIONS} sshd sessions opened through the relay in ${Date.now() - started} ms`);
    expect(clients.every((c) => c.ws.readyState === c.ws.OPEN)).toBe(true);
    const bad = banners.filter((b) => !/^SSH-2\.0-OpenSSH_9\.2/.test(b));
    if (bad.length) {
      const closes = relay.logs().filter((l) => l['event'] === 'session' || l['event'] === 'refused').slice(-5);
      console.log(`${bad.length} sessions without banner, e.g. ${bad[0]}\nrelay: ${JSON.stringify(closes)}\nsshd: ${sshd.log().slice(-2000)}`);
    }
    expect(bad).toEqual([]);
    await closeAll(clients);
  }, 120_000);
});
