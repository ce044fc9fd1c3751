// RFC 4254 channels against a scripted server over an in-memory channel (real sshd/dropbear runs are D's tests/ssh).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SshReader, SshWriter } from '../wire/index.ts';
import { MSG } from '../messages.ts';
import { SshError } from '../errors.ts';
import { ChannelOpenError, Connection, encodeTerminalModes, type ConnectionChannel } from './index.ts';

/** An in-memory transport; `sync`: with tryReceive, as the real transport (messages already received are taken without a promise). */
function memoryChannel({ sync = false } = {}) {
  const toClient: Uint8Array[] = [];
  const toServer: Uint8Array[] = [];
  let clientWaiter: (() => void) | undefined;
  let serverWaiter: (() => void) | undefined;
  const closes: string[] = [];
  const channel: ConnectionChannel = {
    async send(p, tail) { toServer.push(tail ? Buffer.concat([p, tail]) : p); serverWaiter?.(); },
    async receive() {
      while (toClient.length === 0) await new Promise<void>((r) => { clientWaiter = r; });
      return toClient.shift()!;
    },
    async close(_reason, description) { closes.push(description ?? ''); },
    ...(sync ? { tryReceive: () => toClient.shift() } : {}),
  };
  const server = {
    closes,
    pending: () => toServer.length,
    async next(): Promise<SshReader> {
      while (toServer.length === 0) await new Promise<void>((r) => { serverWaiter = r; });
      return new SshReader(toServer.shift()!);
    },
    async expect(msg: number): Promise<SshReader> {
      const r = await server.next();
      expect(r.byte()).toBe(msg);
      return r;
    },
    send(w: SshWriter | Uint8Array) { toClient.push(w instanceof SshWriter ? w.toBytes() : w); clientWaiter?.(); },
    /** Answers a CHANNEL_OPEN with our id `remote`, returns the client's id. */
    async confirm(remote: number, window = 1 << 20, maxPacket = 32768): Promise<number> {
      const r = await server.expect(MSG.CHANNEL_OPEN);
      expect(r.name()).toBe('session');
      const id = r.uint32();
      server.send(new SshWriter().byte(MSG.CHANNEL_OPEN_CONFIRMATION).uint32(id).uint32(remote).uint32(window).uint32(maxPacket));
      return id;
    },
    /** Reads a CHANNEL_REQUEST for `remote`; returns the type, want-reply and data reader. */
    async request(remote: number): Promise<{ type: string; wantReply: boolean; r: SshReader }> {
      const r = await server.expect(MSG.CHANNEL_REQUEST);
      expect(r.uint32()).toBe(remote);
      return { type: r.name(), wantReply: r.boolean(), r };
    },
  };
  return { channel, server };
}

const text = (s: string) => new TextEncoder().encode(s);
async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  let out = '';
  const dec = new TextDecoder();
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return out;
    out += dec.decode(value, { stream: true });
  }
}
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('session channels (RFC 4254 §6)', () => {
  it('exec: stdout, stderr, exit-status, EOF and CLOSE both ways', async () => {
    const { channel, server } = memoryChannel();
    const conn = new Connection(channel);
    const opening = conn.openSession();
    const id = await server.confirm(100);
    const s = await opening;
    const exec = s.exec('echo hi');
    const req = await server.request(100);
    expect(req).toMatchObject({ type: 'exec', wantReply: true });
    expect(req.r.utf8()).toBe('echo hi');
    server.send(new SshWriter().byte(MSG.CHANNEL_SUCCESS).uint32(id));
    await exec;
    server.send(new SshWriter().byte(MSG.CHANNEL_DATA).uint32(id).string('hi\n'));
    server.send(new SshWriter().byte(MSG.CHANNEL_EXTENDED_DATA).uint32(id).uint32(1).string('warn\n'));
    server.send(new SshWriter().byte(MSG.CHANNEL_REQUEST).uint32(id).string('exit-status').boolean(false).uint32(3));
    server.send(new SshWriter().byte(MSG.CHANNEL_EOF).uint32(id));
    server.send(new SshWriter().byte(MSG.CHANNEL_CLOSE).uint32(id));
    expect(await readAll(s.stdout)).toBe('hi\n');
    expect(await readAll(s.stderr)).toBe('warn\n');
    expect(await s.exit).toEqual({ code: 3 });
    expect((await server.expect(MSG.CHANNEL_CLOSE)).uint32()).toBe(100);
    await conn.close();
    expect(await conn.closed).toBeUndefined();
  });

  it('pty-req with encoded modes, env refused, shell, window-change, signal, exit-signal', async () => {
    const { channel, server } = memoryChannel();
    const conn = new Connection(channel);
    const opening = conn.openSession();
    const id = await server.confirm(7);
    const s = await opening;
    const pty = s.requestPty({ term: 'xterm', cols: 80, rows: 24, widthPx: 640, heightPx: 480, modes: { VERASE: 127, IUTF8: 1, ECHO: 0 } });
    const p = await server.request(7);
    expect(p.type).toBe('pty-req');
    expect([p.r.utf8(), p.r.uint32(), p.r.uint32(), p.r.uint32(), p.r.uint32()]).toEqual(['xterm', 80, 24, 640, 480]);
    // §8: opcode byte + uint32 value pairs, ended by TTY_OP_END.
    expect(Buffer.from(p.r.string()).toString('hex')).toBe('030000007f2a0000000135000000000' + '0');
    p.r.end();
    server.send(new SshWriter().byte(MSG.CHANNEL_SUCCESS).uint32(id));
    await pty;
    const env = s.env('LANG', 'C.UTF-8');
    const e = await server.request(7);
    expect([e.type, e.r.utf8(), e.r.utf8()]).toEqual(['env', 'LANG', 'C.UTF-8']);
    server.send(new SshWriter().byte(MSG.CHANNEL_FAILURE).uint32(id));
    expect(await env).toBe(false);
    const shell = s.shell();
    expect((await server.request(7)).type).toBe('shell');
    server.send(new SshWriter().byte(MSG.CHANNEL_SUCCESS).uint32(id));
    await shell;
    await s.windowChange(132, 43);
    const wc = await server.request(7);
    expect([wc.type, wc.wantReply, wc.r.uint32(), wc.r.uint32(), wc.r.uint32(), wc.r.uint32()]).toEqual(['window-change', false, 132, 43, 0, 0]);
    await s.signal('SIGINT');
    const sig = await server.request(7);
    expect([sig.type, sig.wantReply, sig.r.name()]).toEqual(['signal', false, 'INT']);
    server.send(new SshWriter().byte(MSG.CHANNEL_REQUEST).uint32(id).string('exit-signal').boolean(false).string('INT').boolean(true).string('interrupted').string(''));
    server.send(new SshWriter().byte(MSG.CHANNEL_CLOSE).uint32(id));
    expect(await s.exit).toEqual({ signal: 'INT', coreDumped: true, message: 'interrupted' });
  });

  it('a refused exec is a typed CHANNEL_REQUEST_FAILED; a refused open a ChannelOpenError with the reason', async () => {
    const { channel, server } = memoryChannel();
    const conn = new Connection(channel);
    const opening = conn.openSession();
    const id = await server.confirm(1);
    const s = await opening;
    const exec = s.exec('x');
    await server.request(1);
    server.send(new SshWriter().byte(MSG.CHANNEL_FAILURE).uint32(id));
    await expect(exec).rejects.toMatchObject({ code: 'CHANNEL_REQUEST_FAILED' });
    const second = conn.openSession();
    const r = await server.expect(MSG.CHANNEL_OPEN);
    r.name();
    server.send(new SshWriter().byte(MSG.CHANNEL_OPEN_FAILURE).uint32(r.uint32()).uint32(4).string('too many sessions').string(''));
    const err = await second.catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ChannelOpenError);
    expect(err).toMatchObject({ code: 'CHANNEL_OPEN_FAILED', reason: 4, description: 'too many sessions' });
    expect((err as Error).message).toMatch(/resource shortage/);
  });
});

describe('flow control (RFC 4254 §5.2)', () => {
  it('never sends beyond the peer window or maximum packet; resumes on WINDOW_ADJUST', async () => {
    const { channel, server } = memoryChannel();
    const conn = new Connection(channel);
    const opening = conn.openSession();
    const id = await server.confirm(5, 10, 4);
    const s = await opening;
    const writer = s.stdin.getWriter();
    const wrote = writer.write(text('abcdefghijklmnopqrstuvwxy'));
    const got: string[] = [];
    for (let total = 0; total < 10;) {
      const r = await server.expect(MSG.CHANNEL_DATA);
      expect(r.uint32()).toBe(5);
      const d = r.string();
      expect(d.length).toBeLessThanOrEqual(4);
      total += d.length;
      got.push(Buffer.from(d).toString());
    }
    await tick();
    expect(server.pending()).toBe(0); // window exhausted: nothing more until the adjust
    server.send(new SshWriter().byte(MSG.CHANNEL_WINDOW_ADJUST).uint32(id).uint32(100));
    while (got.join('').length < 25) {
      const r = await server.expect(MSG.CHANNEL_DATA);
      expect(r.uint32()).toBe(5);
      const d = r.string();
      expect(d.length).toBeLessThanOrEqual(4);
      got.push(Buffer.from(d).toString());
    }
    expect(got.join('')).toBe('abcdefghijklmnopqrstuvwxy');
    await wrote;
    await writer.close();
    await server.expect(MSG.CHANNEL_EOF);
  });

  it('adjusts our window only as the consumer reads (backpressure), and refuses data beyond it', async () => {
    const { channel, server } = memoryChannel();
    const conn = new Connection(channel, { windowSize: 64, maxPacket: 16 });
    const opening = conn.openSession();
    const r = await server.expect(MSG.CHANNEL_OPEN);
    r.name();
    const id = r.uint32();
    expect([r.uint32(), r.uint32()]).toEqual([64, 16]);
    server.send(new SshWriter().byte(MSG.CHANNEL_OPEN_CONFIRMATION).uint32(id).uint32(9).uint32(1000).uint32(1000));
    const s = await opening;
    for (let i = 0; i < 4; i++) server.send(new SshWriter().byte(MSG.CHANNEL_DATA).uint32(id).string(new Uint8Array(16).fill(65 + i)));
    await tick();
    expect(server.pending()).toBe(0); // nothing read yet: no WINDOW_ADJUST
    const reader = s.stdout.getReader();
    await reader.read();
    await tick();
    expect(server.pending()).toBe(0); // 16 of 64 read: below half
    await reader.read();
    const adj = await server.expect(MSG.CHANNEL_WINDOW_ADJUST);
    expect([adj.uint32(), adj.uint32()]).toEqual([9, 32]);
    // Window left: 64 - 64 + 32 = 32. A 33-byte packet is beyond it.
    server.send(new SshWriter().byte(MSG.CHANNEL_DATA).uint32(id).string(new Uint8Array(33)));
    const closed = await conn.closed;
    expect(closed).toMatchObject({ code: 'CHANNEL_WINDOW_EXCEEDED' });
    expect(server.closes).toHaveLength(1);
    await expect(s.exit).rejects.toMatchObject({ code: 'CHANNEL_WINDOW_EXCEEDED' });
  });

  it('a direct consumer (listen/take): told as packets arrive, window credited only as bytes are taken, the rest taken after EOF', async () => {
    const { channel, server } = memoryChannel({ sync: true });
    const conn = new Connection(channel, { windowSize: 64, maxPacket: 16 });
    const opening = conn.openSession();
    const r = await server.expect(MSG.CHANNEL_OPEN);
    r.name();
    const id = r.uint32();
    server.send(new SshWriter().byte(MSG.CHANNEL_OPEN_CONFIRMATION).uint32(id).uint32(9).uint32(1000).uint32(1000));
    const s = await opening;
    const events: string[] = [];
    s.source.listen({ data: () => events.push(`data ${s.source.buffered}`), end: (e) => events.push(`end ${e?.message ?? 'ok'}`) });
    expect(() => s.stdout).toThrow(TypeError); // one consumer: the stream or the listener
    for (let i = 0; i < 4; i++) server.send(new SshWriter().byte(MSG.CHANNEL_DATA).uint32(id).string(new Uint8Array(16).fill(65 + i)));
    await tick();
    expect(events).toEqual(['data 16', 'data 32', 'data 48', 'data 64']);
    expect(server.pending()).toBe(0); // nothing taken yet: no WINDOW_ADJUST
    expect(s.source.take()).toEqual(new Uint8Array(16).fill(65));
    await tick();
    expect(server.pending()).toBe(0); // 16 of 64 taken: below half
    expect(s.source.take()).toEqual(new Uint8Array(16).fill(66));
    const adj = await server.expect(MSG.CHANNEL_WINDOW_ADJUST);
    expect([adj.uint32(), adj.uint32()]).toEqual([9, 32]);
    server.send(new SshWriter().byte(MSG.CHANNEL_EOF).uint32(id));
    await tick();
    expect(events.at(-1)).toBe('end ok');
    expect([s.source.take()?.[0], s.source.take()?.[0], s.source.take(), s.source.buffered]).toEqual([67, 68, undefined, 0]);
  });

  it('a flood of 1-byte packets nobody reads is kept as a few buffers, not one chunk each; bytes and window stay exact', async () => {
    // The window bounds bytes, not packets: 2 MiB of 1-byte packets kept one by one cost over 400 MiB (RFC 4254 §5.2).
    const { channel, server } = memoryChannel({ sync: true });
    const conn = new Connection(channel, { windowSize: 1 << 16, maxPacket: 16 });
    const opening = conn.openSession();
    const id = await server.confirm(4);
    const s = await opening;
    const n = 40_000;
    for (let i = 0; i < n; i++) server.send(new SshWriter().byte(MSG.CHANNEL_DATA).uint32(id).string(new Uint8Array([i & 0xff])));
    await tick();
    expect(s.source.buffered).toBe(n);
    const chunks: Uint8Array[] = [];
    for (let c = s.source.take(); c; c = s.source.take()) chunks.push(c);
    expect(chunks.length).toBeLessThan(100); // 64 as they came, then 16 KiB buffers (it was 40 000)
    const all = Buffer.concat(chunks);
    expect(all.length).toBe(n);
    expect(all.every((x, i) => x === (i & 0xff))).toBe(true);
    let credited = 0;
    while (server.pending() > 0) {
      const adj = await server.expect(MSG.CHANNEL_WINDOW_ADJUST);
      expect(adj.uint32()).toBe(4);
      credited += adj.uint32();
    }
    expect(credited).toBeGreaterThanOrEqual(n - (1 << 15)); // everything taken is given back, half a window at a time
    expect(credited).toBeLessThanOrEqual(n);
  });

  it('bulk output waiting for a batching consumer is kept as it came, not copied; small packets after it still are', async () => {
    // A pty delivers a shell's output in packets just under 4 KiB; the page's worker lets 256 KiB of them wait.
    const { channel, server } = memoryChannel({ sync: true });
    const conn = new Connection(channel, { windowSize: 1 << 21, maxPacket: 1 << 15 });
    const opening = conn.openSession();
    const id = await server.confirm(4);
    const s = await opening;
    const pushed: Uint8Array[] = [];
    const seen = new Set<ArrayBufferLike>();
    const source = s.source as unknown as { push(d: Uint8Array): void };
    const push = source.push.bind(source);
    source.push = (d) => { pushed.push(d); push(d); };
    for (let i = 0; i < 200; i++) server.send(new SshWriter().byte(MSG.CHANNEL_DATA).uint32(id).string(new Uint8Array(4095).fill(i)));
    await tick();
    const taken: Uint8Array[] = [];
    for (let c = s.source.take(); c; c = s.source.take()) { taken.push(c); seen.add(c.buffer); }
    expect(taken.length).toBe(200);
    expect(taken.every((c, i) => c === pushed[i])).toBe(true); // the views as they came: no copy
    // 64 bulk chunks waiting, then a flood of 1-byte packets: once the chunks average under 1 KiB they are joined.
    for (let i = 0; i < 64; i++) server.send(new SshWriter().byte(MSG.CHANNEL_DATA).uint32(id).string(new Uint8Array(4095).fill(1)));
    for (let i = 0; i < 40_000; i++) server.send(new SshWriter().byte(MSG.CHANNEL_DATA).uint32(id).string(new Uint8Array([2])));
    await tick();
    expect(s.source.buffered).toBe(64 * 4095 + 40_000);
    let chunks = 0;
    let bytes = 0;
    for (let c = s.source.take(); c; c = s.source.take()) { chunks++; bytes += c.length; }
    expect(bytes).toBe(64 * 4095 + 40_000);
    expect(chunks).toBeLessThan(64 + 256 + 8); // 64 + 256 as they came, then 16 KiB buffers (it would be 40 064)
  });

  it('large and 1-byte packets alternating, nobody reading: the chunks kept stay within buffered / 1 KiB', async () => {
    // The worst case for the average rule: each large packet lifts the average so that the next small one is kept.
    const { channel, server } = memoryChannel({ sync: true });
    const conn = new Connection(channel, { windowSize: 1 << 21, maxPacket: 1 << 15 });
    const opening = conn.openSession();
    const id = await server.confirm(4);
    const s = await opening;
    let sent = 0;
    for (let i = 0; sent + 4096 <= 1 << 21; i++) {
      const size = i % 2 === 0 ? 4095 : 1;
      server.send(new SshWriter().byte(MSG.CHANNEL_DATA).uint32(id).string(new Uint8Array(size).fill(i & 0xff)));
      sent += size;
    }
    await tick();
    expect(s.source.buffered).toBe(sent);
    let chunks = 0;
    let bytes = 0;
    for (let c = s.source.take(); c; c = s.source.take()) { chunks++; bytes += c.length; }
    expect(bytes).toBe(sent);
    expect(chunks).toBeLessThanOrEqual(Math.max(64, sent / 1024) + 1);
  });

  it('zero-length data packets, which use no window, cannot pile up chunks without end', async () => {
    const { channel, server } = memoryChannel({ sync: true });
    const conn = new Connection(channel, { windowSize: 64, maxPacket: 16 });
    const opening = conn.openSession();
    const id = await server.confirm(4);
    const s = await opening;
    for (let i = 0; i < 100_000; i++) server.send(new SshWriter().byte(MSG.CHANNEL_DATA).uint32(id).string(new Uint8Array(0)));
    server.send(new SshWriter().byte(MSG.CHANNEL_DATA).uint32(id).string(new Uint8Array([7])));
    await tick();
    let chunks = 0;
    const bytes: number[] = [];
    for (let c = s.source.take(); c; c = s.source.take()) { chunks++; bytes.push(...c); }
    expect(bytes).toEqual([7]);
    expect(chunks).toBeLessThan(100); // it was 100 001
  });

  it('a direct consumer hears why the connection failed, and what was not taken is dropped', async () => {
    const { channel, server } = memoryChannel({ sync: true });
    const conn = new Connection(channel, { windowSize: 64, maxPacket: 16 });
    const opening = conn.openSession();
    const id = await server.confirm(4);
    const s = await opening;
    const ended = new Promise<Error | undefined>((resolve) => s.sourceStderr.listen({ data: () => undefined, end: resolve }));
    server.send(new SshWriter().byte(MSG.CHANNEL_EXTENDED_DATA).uint32(id).uint32(1).string(new Uint8Array(16)));
    server.send(new SshWriter().byte(MSG.CHANNEL_EXTENDED_DATA).uint32(id).uint32(1).string(new Uint8Array(49))); // beyond the window
    expect(await ended).toMatchObject({ code: 'CHANNEL_WINDOW_EXCEEDED' });
    expect([s.sourceStderr.buffered, s.sourceStderr.take()]).toEqual([0, undefined]);
    expect(await conn.closed).toMatchObject({ code: 'CHANNEL_WINDOW_EXCEEDED' });
  });

  it('with messages taken synchronously: data right after CHANNEL_OPEN_CONFIRMATION reaches the new channel', async () => {
    const { channel, server } = memoryChannel({ sync: true });
    const conn = new Connection(channel);
    const opening = conn.openSession();
    const r = await server.expect(MSG.CHANNEL_OPEN);
    r.name();
    const id = r.uint32();
    // Both queued before the client looks: the loop dispatches them in one go.
    server.send(new SshWriter().byte(MSG.CHANNEL_OPEN_CONFIRMATION).uint32(id).uint32(3).uint32(1 << 20).uint32(32768));
    server.send(new SshWriter().byte(MSG.CHANNEL_DATA).uint32(id).string('early'));
    server.send(new SshWriter().byte(MSG.CHANNEL_EOF).uint32(id));
    const s = await opening;
    expect(await readAll(s.stdout)).toBe('early');
    expect(await Promise.race([conn.closed, tick().then(() => 'open')])).toBe('open');
  });

  it('refuses a WINDOW_ADJUST that overflows 2^32-1', async () => {
    const { channel, server } = memoryChannel();
    const conn = new Connection(channel);
    const opening = conn.openSession();
    const id = await server.confirm(1, 0xfffffff0);
    await opening;
    server.send(new SshWriter().byte(MSG.CHANNEL_WINDOW_ADJUST).uint32(id).uint32(0x20));
    expect(await conn.closed).toMatchObject({ code: 'CHANNEL_WINDOW_OVERFLOW' });
  });
});

describe('several channels, global requests, keepalive', () => {
  it('keeps two sessions apart and answers server requests with FAILURE', async () => {
    const { channel, server } = memoryChannel();
    const conn = new Connection(channel);
    const a = conn.openSession();
    const idA = await server.confirm(10);
    const b = conn.openSession();
    const idB = await server.confirm(20);
    const [sa, sb] = [await a, await b];
    server.send(new SshWriter().byte(MSG.CHANNEL_DATA).uint32(idB).string('to b'));
    server.send(new SshWriter().byte(MSG.CHANNEL_DATA).uint32(idA).string('to a'));
    server.send(new SshWriter().byte(MSG.GLOBAL_REQUEST).string('keepalive@openssh.com').boolean(true));
    expect((await server.next()).byte()).toBe(MSG.REQUEST_FAILURE);
    server.send(new SshWriter().byte(MSG.GLOBAL_REQUEST).string('hostkeys-00@openssh.com').boolean(false).string('blob'));
    server.send(new SshWriter().byte(MSG.CHANNEL_REQUEST).uint32(idA).string('keepalive@openssh.com').boolean(true));
    const f = await server.expect(MSG.CHANNEL_FAILURE);
    expect(f.uint32()).toBe(10);
    server.send(new SshWriter().byte(MSG.CHANNEL_OPEN).string('x11').uint32(77).uint32(100).uint32(100));
    const of = await server.expect(MSG.CHANNEL_OPEN_FAILURE);
    expect([of.uint32(), of.uint32()]).toEqual([77, 1]);
    for (const id of [idA, idB]) server.send(new SshWriter().byte(MSG.CHANNEL_CLOSE).uint32(id));
    expect(await readAll(sa.stdout)).toBe('to a');
    expect(await readAll(sb.stdout)).toBe('to b');
    const closes = [(await server.expect(MSG.CHANNEL_CLOSE)).uint32(), (await server.expect(MSG.CHANNEL_CLOSE)).uint32()];
    expect(closes.sort()).toEqual([10, 20]);
  });

  it('sends keepalive@openssh.com when the server is silent and fails with KEEPALIVE_TIMEOUT after max missed', async () => {
    const { channel, server } = memoryChannel();
    const conn = new Connection(channel, { keepaliveIntervalMs: 20, keepaliveMaxMissed: 2 });
    const k = await server.expect(MSG.GLOBAL_REQUEST);
    expect([k.name(), k.boolean()]).toEqual(['keepalive@openssh.com', true]);
    server.send(new SshWriter().byte(MSG.REQUEST_FAILURE)); // an answer: alive
    expect((await server.expect(MSG.GLOBAL_REQUEST)).name()).toBe('keepalive@openssh.com');
    expect(await conn.closed).toMatchObject({ code: 'KEEPALIVE_TIMEOUT' });
    // What SshClient.closed reports: the transport itself only saw a clean close.
    expect(conn.abortError).toMatchObject({ code: 'KEEPALIVE_TIMEOUT' });
    expect(server.closes).toHaveLength(1);
    await expect(conn.openSession()).rejects.toMatchObject({ code: 'KEEPALIVE_TIMEOUT' });
  });
});

describe('hostile servers: typed errors, never a crash', () => {
  it.each([
    ['data on an unknown channel', new SshWriter().byte(MSG.CHANNEL_DATA).uint32(99).string('x'), 'CHANNEL_UNKNOWN'],
    ['a truncated channel request', new SshWriter().byte(MSG.CHANNEL_REQUEST).uint32(0).uint32(40), 'WIRE_SHORT_READ'],
    ['a reply to no request', new SshWriter().byte(MSG.REQUEST_SUCCESS), 'CHANNEL_PROTOCOL'],
    ['an auth message after auth', new SshWriter().byte(MSG.USERAUTH_SUCCESS), 'CHANNEL_PROTOCOL'],
    ['a bad exit-status', new SshWriter().byte(MSG.CHANNEL_REQUEST).uint32(0).string('exit-status').boolean(false).byte(1), 'WIRE_SHORT_READ'],
  ])('%s', async (_name, message, code) => {
    const { channel, server } = memoryChannel();
    const conn = new Connection(channel);
    const opening = conn.openSession();
    await server.confirm(1);
    const s = await opening;
    server.send(message);
    expect(await conn.closed).toMatchObject({ code });
    await expect(s.exit).rejects.toBeInstanceOf(SshError);
  });

  it('an exit status already received survives a connection that drops before CHANNEL_CLOSE', async () => {
    const { channel, server } = memoryChannel();
    const conn = new Connection(channel);
    const opening = conn.openSession();
    const id = await server.confirm(1);
    const s = await opening;
    server.send(new SshWriter().byte(MSG.CHANNEL_REQUEST).uint32(id).string('exit-status').boolean(false).uint32(0));
    server.send(new SshWriter().byte(MSG.CHANNEL_DATA).uint32(77).string('x'));
    expect(await conn.closed).toMatchObject({ code: 'CHANNEL_UNKNOWN' });
    expect(await s.exit).toEqual({ code: 0 });
  });

  it('random messages end the connection with an SshError or are handled; nothing throws out of the loop', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 6 }), fc.integer({ min: 90, max: 100 }), async (msgs, first) => {
      const { channel, server } = memoryChannel();
      const conn = new Connection(channel);
      const opening = conn.openSession();
      await server.confirm(1);
      await opening;
      for (const m of msgs) server.send(new Uint8Array([first, 0, 0, 0, 0, ...m]));
      server.send(new SshWriter().byte(MSG.CHANNEL_DATA).uint32(12345).string('end'));
      const result = await conn.closed;
      expect(result).toBeInstanceOf(SshError);
    }), { numRuns: 100 });
  });
});

it('encodes terminal modes per RFC 4254 §8', () => {
  expect(Buffer.from(encodeTerminalModes({})).toString('hex')).toBe('00');
  expect(() => encodeTerminalModes({ NOPE: 1 } as never)).toThrow(TypeError);
});
