// Connections that never become requests. Each open TCP connection holds one of the relay's file
// descriptors from its first moment, before any request, credential or session limit applies: a
// client that opens many and sends nothing, or its headers a byte at a time (slowloris), must not
// run the relay out of them. The relay runs as its own process (`tessera relay`), as deployed.
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildRelay, type ChildRelay } from './child-relay.ts';
import { openClient, startEchoServer, type TcpTarget } from './helpers.ts';

let dir: string;
let echo: TcpTarget;
const relays: ChildRelay[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-relay-conns-'));
  echo = await startEchoServer();
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  for (const r of relays) await r.peer.stop();
  await echo?.close();
  await rm(dir, { recursive: true, force: true });
});

async function relayWith(name: string, limits: Record<string, number>): Promise<{ relay: ChildRelay; port: number }> {
  const relay = await startChildRelay(dir, name, {
    listen: { host: '127.0.0.1', port: 0 },
    targets: { allow: [`127.0.0.1:${echo.port}`] },
    static: { dir: null },
    limits,
  });
  relays.push(relay);
  return { relay, port: relay.port };
}

/** A raw TCP connection from `from`; `closed` resolves with what the relay sent before it closed the connection. */
function raw(port: number, from: string, send = ''): { socket: Socket; isClosed(): boolean; closed: Promise<string> } {
  const socket = connect({ port, host: '127.0.0.1', localAddress: from });
  sockets.push(socket);
  let got = '';
  let done = false;
  socket.on('error', () => { /* a reset counts as closed */ });
  socket.on('data', (d: Buffer) => { got += d.toString('latin1'); });
  socket.once('connect', () => { if (send) socket.write(send); });
  const closed = new Promise<string>((resolve) => socket.once('close', () => { done = true; resolve(got); }));
  return { socket, isClosed: () => done, closed };
}

/** A session from `from` that echoes, or how it failed. */
async function session(url: string, from: string): Promise<string> {
  const c = openClient(`${url}/ssh?host=127.0.0.1&port=${echo.port}`, undefined, { localAddress: from });
  try {
    await c.opened;
  } catch (err) {
    return `failed: ${(err as Error).message}`;
  }
  c.ws.send(Buffer.from('still here'));
  const got = (await c.waitFor(10, 30_000)).toString();
  c.ws.close();
  await c.closed;
  return got;
}

describe('connection limits', () => {
  it('one client holds at most perIpConnections open connections; the excess is closed as it arrives, other clients are served', async () => {
    // requestTimeoutMs at its largest: here only the per-client limit may close a connection.
    const { relay, port } = await relayWith('per-ip', { perIp: 4, perIpConnections: 24, requestTimeoutMs: 600_000 });
    const idle = Array.from({ length: 40 }, () => raw(port, '127.0.0.1'));
    await expect.poll(() => idle.filter((c) => c.isClosed()).length, { timeout: 30_000 }).toBe(16);
    // Another client address is not affected; the one at its limit gets no further connection.
    expect(await session(relay.url, '127.0.0.2')).toBe('still here');
    expect(await session(relay.url, '127.0.0.1')).toMatch(/^failed: /);
    const metrics = await new Promise<string>((resolve) => {
      const m = raw(port, '127.0.0.3', `GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
      void m.closed.then(resolve);
    });
    expect(metrics).toMatch(/tessera_relay_connections_refused_total\{reason="per_ip"\} 17\b/);
    // The 24 admitted are still open: nothing else closed them.
    expect(idle.filter((c) => c.isClosed()).length).toBe(16);
  }, 120_000);

  it('a connection that does not complete its request within requestTimeoutMs gets 408 and is closed (HTTP and upgrade)', async () => {
    const { port } = await relayWith('slow', { requestTimeoutMs: 1000 });
    const partial = raw(port, '127.0.0.1', `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
    const upgrade = raw(port, '127.0.0.1', `GET /ssh?host=127.0.0.1&port=${echo.port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n`);
    const silent = raw(port, '127.0.0.1');
    for (const c of [partial, upgrade, silent]) expect(await c.closed).toMatch(/^HTTP\/1\.1 408 /);
  }, 120_000);
});
