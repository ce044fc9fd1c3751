/**
 * The relay against direct TCP and against websockify (Debian's, Python), in the same run:
 * download and upload throughput, added round-trip latency, and idle sessions per GiB.
 *
 *   npx tsx bench/relay/relay.ts [--quick]
 *
 * Targets (issue 8): throughput >= 2x websockify's; added median latency <= 0.2 ms on loopback.
 * The relay, websockify and the TCP target each run as their own process; the clients run in
 * this one, the same for all three paths.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { freePort, requireExecutable, startPeer, waitForPort, type Peer } from '../../tests/support/index.ts';

const quick = process.argv.includes('--quick');
const DOWN = (quick ? 32 : 256) << 20;
const UP = (quick ? 16 : 128) << 20;
const ROUND_TRIPS = quick ? 500 : 3000;
const IDLE = quick ? 200 : 1000;
const ROUNDS = 5;
const CHUNK = randomBytes(64 * 1024);

/**
 * The target, in its own process (so the client's work and the target's do not share one
 * event loop, which would favour whichever relay buffers most): 'D' = send DOWN bytes;
 * 'U' = read UP bytes then answer 'K'; 'E' = echo. It prints its port.
 */
const TARGET_JS = `
const net = require('node:net');
const [DOWN, UP] = process.argv.slice(1).map(Number);
const CHUNK = Buffer.alloc(65536, 0x5a);
const server = net.createServer((s) => {
  s.setNoDelay(true);
  s.on('error', () => {});
  s.once('data', (first) => {
    const mode = String.fromCharCode(first[0]);
    const rest = first.subarray(1);
    if (mode === 'D') {
      let sent = 0;
      // No end(): the client closes once it has everything.
      const pump = () => { while (sent < DOWN) { sent += CHUNK.length; if (!s.write(CHUNK)) { s.once('drain', pump); return; } } };
      pump();
    } else if (mode === 'U') {
      let got = rest.length;
      s.on('data', (d) => { got += d.length; if (got >= UP) s.write('K'); });
    } else {
      if (rest.length) s.write(rest);
      s.pipe(s);
    }
  });
});
server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
`;

async function startTarget(): Promise<{ port: number; peer: Peer }> {
  const peer = startPeer(process.execPath, ['-e', TARGET_JS, String(DOWN), String(UP)]);
  const m = await peer.waitForOutput(/port (\d+)/, 30_000);
  return { port: Number(m[1]), peer };
}

/** A duplex path to the target: direct TCP, or a WebSocket through a relay. */
interface Path { send(b: Buffer): boolean; onData(f: (b: Buffer) => void): void; waitWritable(): Promise<void>; close(): void }

async function tcpPath(port: number): Promise<Path> {
  const s: Socket = await new Promise((resolve, reject) => { const c = connect(port, '127.0.0.1', () => resolve(c)); c.once('error', reject); });
  s.setNoDelay(true);
  return { send: (b) => s.write(b), onData: (f) => s.on('data', f), waitWritable: () => new Promise((r) => s.once('drain', () => r())), close: () => s.destroy() };
}

async function wsPath(url: string, protocols: string[]): Promise<Path> {
  const ws = new WebSocket(url, protocols, { perMessageDeflate: false });
  ws.binaryType = 'nodebuffer';
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  const HIGH = 4 << 20;
  return {
    send: (b) => { ws.send(b); return ws.bufferedAmount < HIGH; },
    onData: (f) => ws.on('message', f),
    waitWritable: () => new Promise((r) => { const poll = () => (ws.bufferedAmount < HIGH / 2 ? r() : setTimeout(poll, 1)); poll(); }),
    close: () => ws.terminate(),
  };
}

async function download(p: Path): Promise<number> {
  const t0 = process.hrtime.bigint();
  let got = 0;
  await new Promise<void>((resolve) => { p.onData((b) => { got += b.length; if (got >= DOWN) resolve(); }); p.send(Buffer.from('D')); });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  p.close();
  return DOWN / s / 1e6;
}

async function upload(p: Path): Promise<number> {
  const t0 = process.hrtime.bigint();
  const done = new Promise<void>((resolve) => p.onData(() => resolve()));
  p.send(Buffer.from('U'));
  for (let sent = 0; sent < UP; sent += CHUNK.length) if (!p.send(CHUNK)) await p.waitWritable();
  await done;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  p.close();
  return UP / s / 1e6;
}

/** Round trips of a 64-byte message, in ms. */
async function latency(p: Path): Promise<number[]> {
  const msg = randomBytes(64);
  let waiting: (() => void) | undefined;
  let got = 0;
  p.onData((b) => { got += b.length; if (got >= 64) { got -= 64; waiting?.(); } });
  p.send(Buffer.from('E'));
  const times: number[] = [];
  for (let i = 0; i < ROUND_TRIPS / ROUNDS + 50; i++) {
    const t0 = process.hrtime.bigint();
    await new Promise<void>((r) => { waiting = r; p.send(msg); });
    if (i >= 50) times.push(Number(process.hrtime.bigint() - t0) / 1e6); // the first 50 warm up
  }
  p.close();
  return times;
}

/** Runs one measurement, failing loudly instead of hanging. */
async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([run(), new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no result within 120 s`)), 120_000); })]);
  } finally {
    clearTimeout(timer);
  }
}

function best(xs: number[]): number { return Math.max(...xs); }
function median(xs: number[]): number { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? NaN; }

function rssOfTree(rootPid: number): number {
  // The process and its children (websockify forks a process per connection).
  const pids = [rootPid];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === rootPid) pids.push(Number(d));
    } catch { /* gone */ }
  }
  let total = 0;
  for (const pid of pids) {
    try { total += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024; } catch { /* gone */ }
  }
  return total;
}

async function idlePerGiB(url: string, protocols: string[], pid: number, n: number): Promise<number> {
  const before = rssOfTree(pid);
  const sockets: WebSocket[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = Array.from({ length: Math.min(100, n - i) }, () => new WebSocket(url, protocols));
    await Promise.all(batch.map((w) => new Promise<void>((r, j) => { w.once('open', () => r()); w.once('error', j); })));
    sockets.push(...batch);
  }
  await new Promise((r) => setTimeout(r, 1000));
  const after = rssOfTree(pid);
  for (const w of sockets) w.terminate();
  await new Promise((r) => setTimeout(r, 500));
  const per = Math.max(1, (after - before) / n);
  return 2 ** 30 / per;
}

async function main(): Promise<void> {
  const websockifyBin = requireExecutable('/usr/bin/websockify', 'Debian package websockify');
  const target = await startTarget();
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-relay-'));
  const peers: Peer[] = [];
  try {
    const relayPort = await freePort();
    writeFileSync(join(dir, 'relay.json'), JSON.stringify({
      listen: { host: '127.0.0.1', port: relayPort }, targets: { allow: [`127.0.0.1:${target.port}`] },
      static: { dir: null }, limits: { perIp: 100_000, global: 100_000, maxFrameBytes: 1 << 20, highWaterMark: Number(process.env.HWM ?? 262144) }, log: { level: 'warn' },
    }));
    const relay = startPeer(process.execPath, ['cli/tessera.js', 'relay', '--config', join(dir, 'relay.json')]);
    peers.push(relay);
    await waitForPort(relayPort, '127.0.0.1', 20_000);
    const wsfyPort = await freePort();
    const wsfy = startPeer(websockifyBin, [`127.0.0.1:${wsfyPort}`, `127.0.0.1:${target.port}`]);
    peers.push(wsfy);
    await waitForPort(wsfyPort, '127.0.0.1', 20_000);

    const paths: Record<string, () => Promise<Path>> = {
      'direct TCP': () => tcpPath(target.port),
      'tessera relay': () => wsPath(`ws://127.0.0.1:${relayPort}/ssh?host=127.0.0.1&port=${target.port}`, ['binary']),
      websockify: () => wsPath(`ws://127.0.0.1:${wsfyPort}/`, ['binary']),
    };
    // Rounds interleave the three paths, so a change in machine load hits them alike; each
    // figure is the best round (throughput) or the median of all samples (latency).
    const rows: Record<string, { down: number; up: number; rtt: number }> = {};
    const samples: Record<string, { down: number[]; up: number[]; rtt: number[] }> = {};
    for (const name of Object.keys(paths)) samples[name] = { down: [], up: [], rtt: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, open] of Object.entries(paths)) {
        const s = samples[name]!;
        s.down.push(await step(`${name} download`, async () => download(await open())));
        s.up.push(await step(`${name} upload`, async () => upload(await open())));
        s.rtt.push(...await step(`${name} latency`, async () => latency(await open())));
        process.stderr.write(`round ${round + 1} ${name}: ${s.down.at(-1)?.toFixed(0)} MB/s down, ${s.up.at(-1)?.toFixed(0)} MB/s up\n`);
      }
    }
    for (const [name, s] of Object.entries(samples)) rows[name] = { down: best(s.down), up: best(s.up), rtt: median(s.rtt) };
    const t = rows['tessera relay']!;
    const w = rows['websockify']!;
    const d = rows['direct TCP']!;
    console.log(`relay benchmark (${quick ? 'quick' : 'full'}: ${DOWN >> 20} MiB down, ${UP >> 20} MiB up, best of ${ROUNDS} interleaved rounds; ${ROUND_TRIPS} round trips of 64 B)`);
    console.log('path            download MB/s   upload MB/s   median RTT ms');
    for (const [name, r] of Object.entries(rows)) console.log(`${name.padEnd(16)}${r.down.toFixed(0).padStart(12)}${r.up.toFixed(0).padStart(14)}${r.rtt.toFixed(3).padStart(16)}`);
    console.log(`throughput vs websockify: download ${(t.down / w.down).toFixed(2)}x, upload ${(t.up / w.up).toFixed(2)}x (target >= 2x)`);
    console.log(`added median latency vs direct TCP: tessera ${(t.rtt - d.rtt).toFixed(3)} ms (target <= 0.2 ms), websockify ${(w.rtt - d.rtt).toFixed(3)} ms`);
    const relayIdle = await idlePerGiB(`ws://127.0.0.1:${relayPort}/ssh?host=127.0.0.1&port=${target.port}`, ['binary'], relay.pid, IDLE);
    const wsfyIdle = await idlePerGiB(`ws://127.0.0.1:${wsfyPort}/`, ['binary'], wsfy.pid, Math.min(IDLE, 200));
    console.log(`idle sessions per GiB (RSS): tessera ${Math.round(relayIdle)} (${IDLE} sessions), websockify ${Math.round(wsfyIdle)} (${Math.min(IDLE, 200)} sessions, process tree); ratio ${(relayIdle / wsfyIdle).toFixed(1)}x`);
  } finally {
    for (const p of peers) await p.stop();
    await target.peer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
