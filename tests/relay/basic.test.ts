// The basic relay: WebSocket <-> TCP through the relay to a real local TCP server,
// the allowlist's refusal, bounded buffering under a slow client, and the static page.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, startRelay, type LogRecord, type RelayHandle } from '../../relay/index.ts';
import { openClient, startEchoServer, startTcpTarget, type TcpTarget } from './helpers.ts';

describe('basic relay', () => {
  let echo: TcpTarget;
  let relay: RelayHandle;
  let staticDir: string;
  const logs: LogRecord[] = [];

  beforeAll(async () => {
    echo = await startEchoServer();
    staticDir = await mkdtemp(join(tmpdir(), 'tessera-relay-static-'));
    await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Tessera</title>');
    relay = await startRelay({
      config: { listen: { host: '127.0.0.1', port: 0 }, targets: { allow: [`localhost:${echo.port}`] }, static: { dir: staticDir } },
      resolver: async () => [{ address: '127.0.0.1', family: 4 }],
      log: (r) => logs.push(r),
    });
  });
  afterAll(async () => {
    await relay.close({ drainMs: 0 });
    await echo.close();
    await rm(staticDir, { recursive: true, force: true });
  });

  it('carries binary data both ways, unchanged, to an allowlisted target', async () => {
    const client = openClient(`${relay.url}/ssh?host=localhost&port=${echo.port}`);
    await client.opened;
    const data = randomBytes(1 << 20);
    for (let off = 0; off < data.length; off += 16384) client.ws.send(data.subarray(off, off + 16384));
    const got = await client.waitFor(data.length);
    expect(got.equals(data)).toBe(true);
    client.ws.close(1000);
    expect((await client.closed).code).toBe(1000);
    await expect.poll(() => logs.find((r) => r.event === 'session')).toMatchObject({
      to: `localhost:${echo.port}`, bytesUp: data.length, bytesDown: data.length, closedBy: 'client',
    });
  });

  it('accepts the path form /ssh/HOST/PORT and the websockify binary subprotocol', async () => {
    const client = openClient(`${relay.url}/websockify/localhost/${echo.port}`, ['binary']);
    await client.opened;
    expect(client.ws.protocol).toBe('binary');
    client.ws.send(Buffer.from('SSH-2.0-test\r\n'));
    expect((await client.waitFor(14)).toString()).toBe('SSH-2.0-test\r\n');
    client.ws.close();
    await client.closed;
  });

  it('refuses a target that is not on the allowlist with 4404 and a reason', async () => {
    const client = openClient(`${relay.url}/ssh?host=localhost&port=${echo.port + 1}`);
    const closed = await client.closed;
    expect(closed.code).toBe(CloseCode.TARGET_FORBIDDEN);
    expect(closed.reason).toMatch(/does not allow localhost:\d+/);
    expect(logs.some((r) => r.event === 'refused' && r['code'] === 'TARGET_FORBIDDEN')).toBe(true);
  });

  it('refuses a request without a target with 4400', async () => {
    const closed = await openClient(`${relay.url}/ssh`).closed;
    expect(closed.code).toBe(CloseCode.BAD_TARGET);
  });

  it('keeps the buffer towards a slow client bounded, then delivers every byte', async () => {
    const total = 32 << 20;
    let written = 0;
    const flood = await startTcpTarget((socket) => {
      const chunk = randomBytes(64 * 1024);
      const pump = () => {
        while (written < total) {
          written += chunk.length;
          if (!socket.write(chunk)) { socket.once('drain', pump); return; }
        }
        socket.end();
      };
      pump();
    });
    const slow = await startRelay({
      config: { listen: { host: '127.0.0.1', port: 0 }, targets: { allow: [`127.0.0.1:${flood.port}`] }, static: { dir: null }, limits: { highWaterMark: 128 * 1024 } },
      log: () => {},
    });
    try {
      const client = openClient(`${slow.url}/ssh?host=127.0.0.1&port=${flood.port}`);
      await client.opened;
      client.ws.pause(); // the client stops reading: the relay must stop reading the target
      await new Promise((r) => setTimeout(r, 500));
      const [session] = slow.sessions();
      expect(session).toBeDefined();
      // The relay holds at most the high-water mark plus one read (itself at most the
      // high-water mark) and its frame header (RFC 6455 §5.2: up to 14 bytes); the rest waits in the target.
      expect(session!.peakInFlight).toBeLessThanOrEqual(2 * 128 * 1024 + 14);
      expect(written).toBeLessThan(total);
      client.ws.resume();
      const got = await client.waitFor(total, 20_000);
      expect(got.length).toBe(total);
      expect((await client.closed).code).toBe(CloseCode.NORMAL);
    } finally {
      await slow.close({ drainMs: 0 });
      await flood.close();
    }
  });

  it('with the smallest high-water mark (below the socket\'s own 16 KiB) a paused client still gets every byte once it reads again', async () => {
    const data = randomBytes(32 << 20); // more than loopback socket buffers hold, so the relay must pause
    const source = await startTcpTarget((socket) => socket.end(data));
    const tiny = await startRelay({
      config: { listen: { host: '127.0.0.1', port: 0 }, targets: { allow: [`127.0.0.1:${source.port}`] }, static: { dir: null }, limits: { highWaterMark: 4096 } },
      log: () => {},
    });
    try {
      const client = openClient(`${tiny.url}/ssh?host=127.0.0.1&port=${source.port}`);
      await client.opened;
      client.ws.pause();
      await new Promise((r) => setTimeout(r, 300));
      // Paused at max(4 KiB, the socket's 16 KiB) plus one read (at most 4 KiB) and its header.
      expect(tiny.sessions()[0]!.peakInFlight).toBeLessThanOrEqual(16 * 1024 + 4096 + 14);
      client.ws.resume();
      expect((await client.waitFor(data.length, 30_000)).equals(data)).toBe(true);
      expect((await client.closed).code).toBe(CloseCode.NORMAL);
    } finally {
      await tiny.close({ drainMs: 0 });
      await source.close();
    }
  });

  it('sends each target read as one frame: bulk data in large frames, never beyond the maximum frame size', async () => {
    const data = randomBytes(8 << 20);
    const source = await startTcpTarget((socket) => socket.end(data));
    const start = (maxFrameBytes: number) => startRelay({
      config: { listen: { host: '127.0.0.1', port: 0 }, targets: { allow: [`127.0.0.1:${source.port}`] }, static: { dir: null }, limits: { maxFrameBytes } },
      log: () => {},
    });
    const receive = async (r: RelayHandle) => {
      const client = openClient(`${r.url}/ssh?host=127.0.0.1&port=${source.port}`);
      const sizes: number[] = [];
      client.ws.on('message', (m: Buffer) => sizes.push(m.length));
      const got = await client.waitFor(data.length, 20_000);
      expect(got.equals(data)).toBe(true);
      expect((await client.closed).code).toBe(CloseCode.NORMAL);
      return sizes;
    };
    const small = await start(4096);
    const large = await start(1 << 20);
    try {
      // The limit holds towards the client too (a browser imposes none, but a frame is one read).
      expect(Math.max(...await receive(small))).toBeLessThanOrEqual(4096);
      // Bulk reads grow beyond the 64 KiB a stream read would give, up to 256 KiB.
      const sizes = await receive(large);
      expect(Math.max(...sizes)).toBeGreaterThan(64 * 1024);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(256 * 1024);
    } finally {
      await small.close({ drainMs: 0 });
      await large.close({ drainMs: 0 });
      await source.close();
    }
  });

  it('bulk output written in pty-sized pieces arrives whole in fewer, larger frames (read pacing), and the session stays interactive after it', async () => {
    const piece = 4096;
    const pieces = 512;
    const data = randomBytes(piece * pieces);
    // Like sshd behind a pty: one write per 4 KiB read, as fast as it can; then an interactive answer.
    const source = await startTcpTarget((socket) => {
      let i = 0;
      const pump = () => {
        if (i === pieces) { socket.once('data', (d) => socket.write(Buffer.concat([Buffer.from('echo:'), d]))); return; }
        socket.write(data.subarray(i * piece, ++i * piece));
        setImmediate(pump);
      };
      pump();
    });
    const paced = await startRelay({
      config: { listen: { host: '127.0.0.1', port: 0 }, targets: { allow: [`127.0.0.1:${source.port}`] }, static: { dir: null } },
      log: () => {},
    });
    try {
      const client = openClient(`${paced.url}/ssh?host=127.0.0.1&port=${source.port}`);
      let frames = 0;
      client.ws.on('message', () => { frames++; });
      const got = await client.waitFor(data.length, 20_000);
      expect(got.equals(data)).toBe(true);
      expect(frames).toBeLessThanOrEqual(pieces / 2);
      client.ws.send(Buffer.from('ls'));
      expect((await client.waitFor(data.length + 7)).subarray(data.length).toString()).toBe('echo:ls');
      client.ws.close(1000);
      await client.closed;
    } finally {
      await paced.close({ drainMs: 0 });
      await source.close();
    }
  });

  it('serves the built page with security headers on the same port', async () => {
    const res = await fetch(`${relay.url.replace('ws:', 'http:')}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>Tessera</title>');
    expect(res.headers.get('permissions-policy')).toBe('usb=(self)');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await fetch(`${relay.url.replace('ws:', 'http:')}/../etc/passwd`)).status).toBe(404);
    expect((await fetch(`${relay.url.replace('ws:', 'http:')}/healthz`)).status).toBe(200);
  });
});
