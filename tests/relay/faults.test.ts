// Faults: the target resets, a client vanishes (with and without a FIN), slow clients
// (bounded buffers), and a relay restart with sessions in flight.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../relay/index.ts';
import { startChildRelay, startChildRelayOnFreePort } from './child-relay.ts';
import { openClient, startEchoServer, startTcpTarget, startTestRelay, type TcpTarget } from './helpers.ts';

let echo: TcpTarget;
let dir: string;
beforeAll(async () => {
  echo = await startEchoServer();
  dir = await mkdtemp(join(tmpdir(), 'tessera-relay-faults-'));
});
afterAll(async () => {
  await echo.close();
  await rm(dir, { recursive: true, force: true });
});

describe('faults', () => {
  it('the target resets the connection: the client gets 4503 after the bytes sent before', async () => {
    let reset: (() => void) | undefined;
    const resetter = await startTcpTarget((socket) => {
      socket.once('data', () => { socket.write('last words'); reset = () => socket.resetAndDestroy(); });
    });
    const relay = await startTestRelay({ targets: { allow: [`127.0.0.1:${resetter.port}`] } });
    try {
      const c = openClient(`${relay.url}/ssh?host=127.0.0.1&port=${resetter.port}`);
      await c.opened;
      c.ws.send(Buffer.from('hello'));
      // The reset once the relay has read the last words, not after a fixed 50 ms: a reset that overtakes data not
      // yet read hides from the reader (Linux hands over the data, then an orderly end), as a stalled process saw.
      await expect.poll(() => relay.sessions()[0]?.bytesDown ?? 0, { timeout: 20_000 }).toBe(10);
      reset!();
      const closed = await c.closed;
      expect(closed.code).toBe(CloseCode.TARGET_RESET);
      expect(closed.reason).toMatch(/ECONNRESET/);
      expect(c.received().toString()).toBe('last words');
      await relay.logged('session', { closeName: 'TARGET_RESET', closedBy: 'target', bytesUp: 5, bytesDown: 10 });
    } finally {
      await relay.close({ drainMs: 0 });
      await resetter.close();
    }
  });

  it('a client that vanishes (socket dropped, or silent without FIN) ends its session and the server connection', async () => {
    const relay = await startTestRelay({ targets: { allow: [`127.0.0.1:${echo.port}`] }, limits: { pingIntervalMs: 200 } });
    try {
      const gone = openClient(`${relay.url}/ssh?host=127.0.0.1&port=${echo.port}`);
      await gone.opened;
      await expect.poll(() => echo.connections.size).toBe(1);
      gone.ws.terminate(); // no close frame
      await relay.logged('session', { closeCode: 1006, closedBy: 'client' });
      await expect.poll(() => echo.connections.size).toBe(0);
      // Silent: the client stops reading (no pongs) but its TCP connection stays up.
      const silent = openClient(`${relay.url}/ssh?host=127.0.0.1&port=${echo.port}`);
      await silent.opened;
      await expect.poll(() => echo.connections.size).toBe(1);
      silent.ws.pause();
      await expect.poll(() => relay.logs.filter((l) => l.event === 'session' && l['closeCode'] === 1006).length, { timeout: 5000 }).toBe(2);
      await expect.poll(() => echo.connections.size).toBe(0);
      expect(relay.sessions()).toHaveLength(0);
      silent.ws.terminate();
    } finally {
      await relay.close({ drainMs: 0 });
    }
  });

  it('slow clients: three sessions flooded by their servers hold bounded buffers, and get every byte intact', async () => {
    const total = 32 << 20;
    // Not periodic, so a read buffer reused while a frame still referenced it would show.
    const data = randomBytes(total);
    const sentBy: number[] = [];
    const flood = await startTcpTarget((socket) => {
      let sent = 0;
      const index = sentBy.push(0) - 1;
      const pump = () => {
        sentBy[index] = sent;
        while (sent < total) {
          const chunk = data.subarray(sent, sent + 64 * 1024);
          sent += chunk.length;
          if (!socket.write(chunk)) { socket.once('drain', pump); return; }
        }
        socket.end();
      };
      pump();
    });
    const hwm = 64 * 1024;
    const relay = await startTestRelay({ targets: { allow: [`127.0.0.1:${flood.port}`] }, limits: { highWaterMark: hwm } });
    try {
      const clients = Array.from({ length: 3 }, () => openClient(`${relay.url}/ssh?host=127.0.0.1&port=${flood.port}`));
      await Promise.all(clients.map((c) => c.opened));
      for (const c of clients) c.ws.pause();
      await new Promise((r) => setTimeout(r, 400));
      const sessions = relay.sessions();
      expect(sessions).toHaveLength(3);
      // Backpressure reached every server: none could write everything.
      for (const n of sentBy) expect(n).toBeLessThan(total);
      // Each holds at most the high-water mark plus one read (at most hwm) and its frame header.
      for (const s of sessions) expect(s.peakInFlight).toBeLessThanOrEqual(2 * hwm + 14);
      const inFlight = sessions.reduce((n, s) => n + s.inFlight, 0);
      expect(inFlight).toBeLessThanOrEqual(3 * (2 * hwm + 14));
      for (const c of clients) c.ws.resume();
      const got = await Promise.all(clients.map((c) => c.waitFor(total, 30_000)));
      for (const g of got) expect(g.equals(data)).toBe(true);
      await Promise.all(clients.map((c) => c.closed));
    } finally {
      await relay.close({ drainMs: 0 });
      await flood.close();
    }
  }, 90_000);

  it('a relay restart with sessions in flight: clients get 1001 and a reason, /healthz says draining, a new relay takes over', async () => {
    // The checks made while it drains (/healthz, a late client) must fit in the drain: 10 s, not a tight 1.5 s.
    const config = (port: number) => ({ listen: { host: '127.0.0.1', port }, targets: { allow: [`127.0.0.1:${echo.port}`] }, static: { dir: null }, limits: { drainTimeoutMs: 10_000 } });
    const first = await startChildRelayOnFreePort(dir, 'first', config);
    const port = first.port;
    const url = `${first.url}/ssh?host=127.0.0.1&port=${echo.port}`;
    const clients = Array.from({ length: 20 }, () => openClient(url));
    await Promise.all(clients.map((c) => c.opened));
    const traffic = setInterval(() => { for (const c of clients) if (c.ws.readyState === c.ws.OPEN) c.ws.send(randomBytes(512)); }, 20);
    try {
      await expect.poll(() => echo.connections.size).toBe(20);
      process.kill(first.peer.pid, 'SIGTERM');
      await first.peer.waitForOutput(/"event":"shutdown"/);
      // While draining, sessions go on and the health check turns away the load balancer.
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(503);
      const late = openClient(url);
      await expect(late.opened).rejects.toThrow(/503/);
      const closed = await Promise.all(clients.map((c) => c.closed));
      for (const cl of closed) {
        expect(cl.code).toBe(CloseCode.GOING_AWAY);
        expect(cl.reason).toMatch(/shutting down; reconnect/);
      }
      // The relay exits by itself, cleanly, once drained.
      const child = first.peer.child;
      const code = child.exitCode ?? await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      expect(code).toBe(0);
      await first.peer.waitForOutput(/"event":"stopped"/);
      expect(first.logs().filter((l) => l['event'] === 'session' && l['closeName'] === 'GOING_AWAY')).toHaveLength(20);
    } finally {
      clearInterval(traffic);
      await first.peer.stop();
    }
    const second = await startChildRelay(dir, 'second', config(port));
    try {
      const again = openClient(url);
      await again.opened;
      again.ws.send(Buffer.from('back'));
      expect((await again.waitFor(4)).toString()).toBe('back');
      again.ws.close();
      await again.closed;
    } finally {
      await second.peer.stop();
    }
  }, 150_000);
});
