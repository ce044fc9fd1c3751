// /revocation answers that clients never read. A response holds its answer until the client has
// taken it; without a bound, requests for distinct URLs under an allowed prefix (a query each)
// whose answers nobody read grew the relay by one answer each, for as long as the connections
// lasted (40 requests for a 5 MiB answer: +260 MiB, kept). The relay runs as its own process.
// Answers here are larger than what loopback's socket buffers take (about 10 MiB), so a client
// that does not read really leaves its answer with the relay.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildRelay, type ChildRelay } from './child-relay.ts';

const ANSWER = 24 << 20;
let dir: string;
let upstream: Server;
let base = '';
const relays: ChildRelay[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-relay-send-'));
  const body = Buffer.alloc(ANSWER, 0x30); // no nextUpdate: never cached, every URL fetched
  upstream = createServer((_req, res) => { res.writeHead(200, { 'Content-Length': ANSWER }); res.end(body); });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  for (const r of relays) await r.peer.stop();
  await new Promise((r) => upstream?.close(r));
  await rm(dir, { recursive: true, force: true });
});

async function relayWith(name: string, requestTimeoutMs: number): Promise<{ relay: ChildRelay; port: number }> {
  const relay = await startChildRelay(dir, name, {
    listen: { host: '127.0.0.1', port: 0 },
    static: { dir: null },
    limits: { requestTimeoutMs },
    revocation: { allow: [`${base}/`], maxBytes: 32 << 20, sendBytes: 40 << 20 },
  });
  relays.push(relay);
  return { relay, port: relay.port };
}

const path = (q: string) => `/revocation?url=${encodeURIComponent(`${base}/big.crl?${q}`)}`;

/** Asks for an answer and does not read it; `drain` reads from then on and counts the bytes until the connection ends. */
function stalled(port: number, q: string): { drain(): Promise<number> } {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => { /* dropped by the relay */ });
  s.write(`GET ${path(q)} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
  s.pause();
  sockets.push(s);
  return {
    drain: () => new Promise((resolve) => {
      let n = 0;
      s.on('data', (d: Buffer) => { n += d.length; });
      s.once('close', () => resolve(n));
      s.resume();
    }),
  };
}

/** The status and body length of an answer read in full. */
async function read(port: number, q: string): Promise<{ status: number; bytes: number }> {
  const r = await fetch(`http://127.0.0.1:${port}${path(q)}`);
  return { status: r.status, bytes: (await r.arrayBuffer()).byteLength };
}

const fetched = (relay: ChildRelay, q: string) => relay.logs().some((l) => l['event'] === 'revocation-fetched' && String(l['url']).endsWith(`?${q}`));

describe('/revocation answers nobody reads', () => {
  it('hold at most revocation.sendBytes: a further distinct answer gets 503 while one is stuck', async () => {
    const { relay, port } = await relayWith('budget', 600_000);
    stalled(port, 'stuck');
    await expect.poll(() => fetched(relay, 'stuck'), { timeout: 30_000 }).toBe(true);
    // 24 MiB stuck + another 24 MiB > 40 MiB: refused (before: 200, and both held).
    expect(await read(port, 'second')).toEqual({ status: 503, bytes: expect.any(Number) as number });
    expect(fetched(relay, 'second')).toBe(false); // refused before fetching it
  }, 120_000);

  it('a client that takes nothing for limits.requestTimeoutMs is dropped, and its answer freed', async () => {
    const { relay, port } = await relayWith('timeout', 1000);
    const client = stalled(port, 'stuck');
    await expect.poll(() => fetched(relay, 'stuck'), { timeout: 30_000 }).toBe(true);
    // Only once the stalled client is dropped does another distinct answer fit; read whole, it is all there.
    const whole = async () => read(port, `next-${Date.now()}`).then((r) => `${r.status} ${r.bytes}`, (err: Error) => err.message);
    await expect.poll(whole, { timeout: 60_000, interval: 500 }).toBe(`200 ${ANSWER}`);
    // The stalled client got only what the socket buffers held: the relay cut it off (before: all of it).
    expect(await client.drain()).toBeLessThan(ANSWER);
  }, 120_000);
});
