/**
 * The relay against direct TCP and against websockify (Debian's, Python), in the same run:
 * download and upload throughput, the relay's CPU time per GB moved, added round-trip
 * latency, and idle sessions per GiB.
 *
 *   npx tsx bench/relay/relay.ts [--quick] [--ws-client] [--relay-env NAME=VALUE]
 *
 * Targets (issue 8): throughput >= 2x websockify's; added median latency <= 0.2 ms on loopback.
 * socat (a C TCP-to-TCP copy, no WebSocket) measures the floor: the two socket copies any
 * relay makes per byte. The relay, websockify, socat and the TCP target each run as their own
 * process; the clients run in this one, the same for every path: by default the lean client of ws-client.ts, which
 * costs little CPU per byte, so that the relays rather than the client set the rate; with
 * --ws-client, the `ws` library's client (which, on two cores, caps both relays).
 * --relay-env sets a variable for the relay process only, e.g. to measure a deployment
 * setting (GLIBC_TUNABLES=glibc.malloc.trim_threshold=67108864); the title says so. Env HWM=BYTES
 * sets the relay's limits.highWaterMark (default 262144). The relay is `tessera relay` from the
 * prebuilt bundle, rebuilt first if a source changed. The paths' order rotates from round to round.
 * On a shared machine the wall-clock rates swing with the load; the CPU seconds each relay
 * process (websockify: with its per-connection child) spends per GB are steadier, and
 * their inverse is the rate one core could sustain.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { repoRoot } from '../../tests/peers/index.ts';
import { ensureCliBundle, freePort, requireExecutable, startPeer, waitForPort, type Peer } from '../../tests/support/index.ts';
import { openLean } from './ws-client.ts';
import { median, rotated } from '../ssh/stats.ts';

const quick = process.argv.includes('--quick');
const wsClient = process.argv.includes('--ws-client');
const relayEnv = process.argv.includes('--relay-env') ? process.argv[process.argv.indexOf('--relay-env') + 1] ?? '' : '';
if (relayEnv && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(relayEnv)) throw new Error(`--relay-env wants NAME=VALUE, not '${relayEnv}'.`);
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

/** A duplex path to the target: direct TCP, or a WebSocket through a relay (whose process is `relayPid`). */
interface Path { send(b: Buffer): boolean; onData(f: (b: Buffer) => void): void; waitWritable(): Promise<void>; close(): void; relayPid?: number }

/** Direct TCP, read like the lean WebSocket client reads: into one reused 1 MiB buffer. */
async function tcpPath(port: number, relayPid?: number): Promise<Path> {
  let listener: (b: Buffer) => void = () => { /* set by onData */ };
  const s: Socket = await new Promise((resolve, reject) => {
    const c = connect({
      port, host: '127.0.0.1',
      onread: { buffer: Buffer.allocUnsafe(1 << 20), callback: (n, buf) => { listener(Buffer.from(buf.buffer, buf.byteOffset, n)); return true; } },
    }, () => resolve(c));
    c.once('error', reject);
  });
  s.setNoDelay(true);
  return {
    send: (b) => { s.write(b); return s.writableLength < 4 << 20; },
    onData: (f) => { listener = f; },
    waitWritable: () => new Promise((r) => s.once('drain', () => r())),
    close: () => s.destroy(),
    ...(relayPid === undefined ? {} : { relayPid }),
  };
}

async function leanPath(url: string, protocol: string, relayPid: number): Promise<Path> {
  return { ...await openLean(url, protocol), relayPid };
}

async function wsPath(url: string, protocol: string, relayPid: number): Promise<Path> {
  const ws = new WebSocket(url, [protocol], { perMessageDeflate: false });
  ws.binaryType = 'nodebuffer';
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  const HIGH = 4 << 20;
  return {
    send: (b) => { ws.send(b); return ws.bufferedAmount < HIGH; },
    onData: (f) => ws.on('message', f),
    waitWritable: () => new Promise((r) => { const poll = () => (ws.bufferedAmount < HIGH / 2 ? r() : setTimeout(poll, 1)); poll(); }),
    close: () => ws.terminate(),
    relayPid,
  };
}

/**
 * MB/s, and CPU seconds per GB moved: the relay process tree's (NaN for direct TCP), of which
 * in the kernel, and the whole path's (client + target + relay), whose inverse times the
 * core count is the most any relay could reach on this machine with these end points.
 */
interface Rate { mbps: number; cpuPerGB: number; sysPerGB: number; pathPerGB: number }

let targetPid = 0;

/** [user, system] CPU seconds of this process (the client). */
function ownCpu(): [number, number] {
  const u = process.cpuUsage();
  return [u.user / 1e6, u.system / 1e6];
}

async function timed(p: Path, bytes: number, run: () => Promise<void>): Promise<Rate> {
  const relay0 = p.relayPid === undefined ? [NaN, NaN] : cpuOfTree(p.relayPid);
  const target0 = cpuOfTree(targetPid);
  const own0 = ownCpu();
  const t0 = process.hrtime.bigint();
  await run();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const relay1 = p.relayPid === undefined ? [NaN, NaN] : cpuOfTree(p.relayPid); // before close: websockify's child still counts
  const target1 = cpuOfTree(targetPid);
  const own1 = ownCpu();
  p.close();
  const gb = bytes / 1e9;
  const [ru, rs] = [relay1[0]! - relay0[0]!, relay1[1]! - relay0[1]!];
  const ends = (target1[0]! + target1[1]! - target0[0]! - target0[1]!) + (own1[0] + own1[1] - own0[0] - own0[1]);
  return { mbps: bytes / s / 1e6, cpuPerGB: (ru + rs) / gb, sysPerGB: rs / gb, pathPerGB: (ends + (Number.isNaN(ru) ? 0 : ru + rs)) / gb };
}

function download(p: Path): Promise<Rate> {
  let got = 0;
  return timed(p, DOWN, () => new Promise<void>((resolve) => { p.onData((b) => { got += b.length; if (got >= DOWN) resolve(); }); p.send(Buffer.from('D')); }));
}

function upload(p: Path): Promise<Rate> {
  return timed(p, UP, async () => {
    const done = new Promise<void>((resolve) => p.onData(() => resolve()));
    p.send(Buffer.from('U'));
    for (let sent = 0; sent < UP; sent += CHUNK.length) if (!p.send(CHUNK)) await p.waitWritable();
    await done;
  });
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

/** The fields of /proc/PID/stat after the command name (proc(5): [1] ppid, [11] utime, [12] stime). */
function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The process and its children (websockify forks a process per connection). */
function treeOf(rootPid: number): number[] {
  const pids = [rootPid];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (Number(statFields(d)[1]) === rootPid) pids.push(Number(d));
    } catch { /* gone */ }
  }
  return pids;
}

/**
 * [user, system] CPU seconds of the process tree (clock ticks: 100 per second on Linux): each live process's own,
 * plus the root's reaped children's ([13] cutime, [14] cstime), so a child that exits meanwhile keeps counting.
 */
function cpuOfTree(rootPid: number): [number, number] {
  let user = 0;
  let sys = 0;
  for (const pid of treeOf(rootPid)) {
    try {
      const f = statFields(pid);
      user += Number(f[11]) + (pid === rootPid ? Number(f[13]) : 0);
      sys += Number(f[12]) + (pid === rootPid ? Number(f[14]) : 0);
    } catch { /* gone */ }
  }
  return [user / 100, sys / 100];
}

function rssOfTree(rootPid: number): number {
  let total = 0;
  for (const pid of treeOf(rootPid)) {
    try { total += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024; } catch { /* gone */ }
  }
  return total;
}

/**
 * Idle sessions per GiB of RSS growth. Measured first, on fresh processes after one warm-up
 * session: after the throughput runs, the collector freeing their garbage can shrink the
 * RSS while sessions open, which made the figure meaningless (even negative).
 */
async function idlePerGiB(url: string, protocols: string[], pid: number, n: number): Promise<number> {
  const warm = new WebSocket(url, protocols);
  await new Promise<void>((r, j) => { warm.once('open', () => r()); warm.once('error', j); });
  warm.terminate();
  await new Promise((r) => setTimeout(r, 500));
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
  if (after <= before) throw new Error(`idle sessions: the RSS did not grow (${before} -> ${after} bytes) while ${n} sessions opened; measure again.`);
  return 2 ** 30 / ((after - before) / n);
}

async function main(): Promise<void> {
  const websockifyBin = requireExecutable('/usr/bin/websockify', 'Debian package websockify');
  const socatBin = requireExecutable('/usr/bin/socat', 'Debian package socat');
  const target = await startTarget();
  targetPid = target.peer.pid;
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-relay-'));
  const peers: Peer[] = [];
  try {
    const relayPort = await freePort();
    writeFileSync(join(dir, 'relay.json'), JSON.stringify({
      listen: { host: '127.0.0.1', port: relayPort }, targets: { allow: [`127.0.0.1:${target.port}`] },
      static: { dir: null }, limits: { perIp: 100_000, global: 100_000, maxFrameBytes: 1 << 20, highWaterMark: Number(process.env.HWM ?? 262144) }, log: { level: 'warn' },
    }));
    const env = relayEnv ? { env: { ...process.env, [relayEnv.slice(0, relayEnv.indexOf('='))]: relayEnv.slice(relayEnv.indexOf('=') + 1) } } : {};
    ensureCliBundle();
    const relay = startPeer(process.execPath, [join(repoRoot, 'cli', 'tessera.js'), 'relay', '--config', join(dir, 'relay.json')], env);
    peers.push(relay);
    await waitForPort(relayPort, '127.0.0.1', 20_000);
    const wsfyPort = await freePort();
    const wsfy = startPeer(websockifyBin, [`127.0.0.1:${wsfyPort}`, `127.0.0.1:${target.port}`]);
    peers.push(wsfy);
    await waitForPort(wsfyPort, '127.0.0.1', 20_000);

    // The floor for any relay: socat (C) copying TCP to TCP with 256 KiB buffers, no
    // WebSocket framing. No relay can beat the two socket copies it makes per byte.
    const socatPort = await freePort();
    const socat = startPeer(socatBin, ['-b', '262144', `TCP-LISTEN:${socatPort},bind=127.0.0.1,reuseaddr,fork`, `TCP:127.0.0.1:${target.port}`]);
    peers.push(socat);
    await waitForPort(socatPort, '127.0.0.1', 20_000);

    const relayIdle = await idlePerGiB(`ws://127.0.0.1:${relayPort}/ssh?host=127.0.0.1&port=${target.port}`, ['binary'], relay.pid, IDLE);
    const wsfyIdle = await idlePerGiB(`ws://127.0.0.1:${wsfyPort}/`, ['binary'], wsfy.pid, Math.min(IDLE, 200));
    const idleLine = `idle sessions per GiB (RSS): tessera ${Math.round(relayIdle)} (${IDLE} sessions), websockify ${Math.round(wsfyIdle)} (${Math.min(IDLE, 200)} sessions, process tree); ratio ${(relayIdle / wsfyIdle).toFixed(1)}x`;

    const client = wsClient ? wsPath : leanPath;
    const paths: Record<string, () => Promise<Path>> = {
      'direct TCP': () => tcpPath(target.port),
      'socat (TCP)': () => tcpPath(socatPort, socat.pid),
      'tessera relay': () => client(`ws://127.0.0.1:${relayPort}/ssh?host=127.0.0.1&port=${target.port}`, 'binary', relay.pid),
      websockify: () => client(`ws://127.0.0.1:${wsfyPort}/`, 'binary', wsfy.pid),
    };
    // Rounds interleave the four paths (in an order that rotates), so a change in machine load hits them alike; each
    // rate is the best round, each CPU cost the median round, each RTT the median sample.
    const samples: Record<string, { down: Rate[]; up: Rate[]; rtt: number[] }> = {};
    for (const name of Object.keys(paths)) samples[name] = { down: [], up: [], rtt: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, open] of rotated(Object.entries(paths), round)) {
        const s = samples[name]!;
        s.down.push(await step(`${name} download`, async () => download(await open())));
        s.up.push(await step(`${name} upload`, async () => upload(await open())));
        s.rtt.push(...await step(`${name} latency`, async () => latency(await open())));
        const cpu = (r: Rate | undefined) => (Number.isNaN(r?.cpuPerGB) ? '' : ` (${r?.cpuPerGB.toFixed(2)} CPU s/GB)`);
        process.stderr.write(`round ${round + 1} ${name}: ${s.down.at(-1)?.mbps.toFixed(0)} MB/s down${cpu(s.down.at(-1))}, ${s.up.at(-1)?.mbps.toFixed(0)} MB/s up${cpu(s.up.at(-1))}\n`);
      }
    }
    const rows: Record<string, { down: number; up: number; downCpu: number; upCpu: number; downSys: number; upSys: number; downPath: number; upPath: number; rtt: number }> = {};
    for (const [name, s] of Object.entries(samples)) {
      rows[name] = {
        down: best(s.down.map((r) => r.mbps)), up: best(s.up.map((r) => r.mbps)),
        downCpu: median(s.down.map((r) => r.cpuPerGB)), upCpu: median(s.up.map((r) => r.cpuPerGB)),
        downSys: median(s.down.map((r) => r.sysPerGB)), upSys: median(s.up.map((r) => r.sysPerGB)),
        downPath: median(s.down.map((r) => r.pathPerGB)), upPath: median(s.up.map((r) => r.pathPerGB)),
        rtt: median(s.rtt),
      };
    }
    const t = rows['tessera relay']!;
    const w = rows['websockify']!;
    const d = rows['direct TCP']!;
    console.log(`relay benchmark (${quick ? 'quick' : 'full'}: ${DOWN >> 20} MiB down, ${UP >> 20} MiB up, best of ${ROUNDS} interleaved rounds; ${ROUND_TRIPS} round trips of 64 B; ${wsClient ? "the ws library's" : 'the lean'} client${relayEnv ? `; tessera relay run with ${relayEnv}` : ''})`);
    console.log('path            download MB/s   upload MB/s   median RTT ms   relay CPU s/GB down   up');
    const cpuCol = (x: number, width: number) => (Number.isNaN(x) ? '-' : x.toFixed(2)).padStart(width);
    for (const [name, r] of Object.entries(rows)) {
      console.log(`${name.padEnd(16)}${r.down.toFixed(0).padStart(12)}${r.up.toFixed(0).padStart(14)}${r.rtt.toFixed(3).padStart(16)}${cpuCol(r.downCpu, 22)}${cpuCol(r.upCpu, 6)}`);
    }
    console.log(`throughput vs websockify: download ${(t.down / w.down).toFixed(2)}x, upload ${(t.up / w.up).toFixed(2)}x (target >= 2x)`);
    console.log(`relay CPU per GB vs websockify (lower is better): download ${(t.downCpu / w.downCpu).toFixed(2)}x, upload ${(t.upCpu / w.upCpu).toFixed(2)}x; one core sustains tessera ${(1000 / t.downCpu).toFixed(0)} / ${(1000 / t.upCpu).toFixed(0)} MB/s, websockify ${(1000 / w.downCpu).toFixed(0)} / ${(1000 / w.upCpu).toFixed(0)} MB/s (down / up)`);
    // The whole path's CPU budget: client and target are the same for every path, so what a
    // relay adds is its own s/GB; on this machine's cores no relay passes cores / path s/GB.
    const cores = availableParallelism();
    console.log(`CPU s/GB of the whole path (client + target + relay; ${cores} cores), down / up, and the rate those cores allow:`);
    for (const [name, r] of Object.entries(rows)) {
      const sys = Number.isNaN(r.downSys) ? '' : `; relay in kernel ${r.downSys.toFixed(2)} / ${r.upSys.toFixed(2)}`;
      console.log(`  ${name.padEnd(14)} ${r.downPath.toFixed(2)} / ${r.upPath.toFixed(2)} -> at most ${(cores * 1000 / r.downPath).toFixed(0)} / ${(cores * 1000 / r.upPath).toFixed(0)} MB/s${sys}`);
    }
    const floor = rows['socat (TCP)']!;
    console.log(`2x websockify's download is ${(2 * w.down).toFixed(0)} MB/s. On ${cores} cores, direct TCP's end points plus a relay allow at most: ${(cores * 1000 / (d.downPath + t.downCpu)).toFixed(0)} MB/s with this relay's CPU, ${(cores * 1000 / (d.downPath + floor.downCpu)).toFixed(0)} MB/s with socat's (a bare TCP copy: ${floor.down.toFixed(0)} MB/s measured)`);
    console.log(`added median latency vs direct TCP: tessera ${(t.rtt - d.rtt).toFixed(3)} ms (target <= 0.2 ms), websockify ${(w.rtt - d.rtt).toFixed(3)} ms`);
    console.log(idleLine);
  } finally {
    for (const p of peers) await p.stop();
    await target.peer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
