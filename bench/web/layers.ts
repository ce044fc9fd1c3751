// Where the browser's SSH download time goes, layer by layer, in Debian's Chromium, in one run:
//   1. a raw WebSocket through the relay from a local TCP source (no SSH), in a worker and on the
//      main thread, and the same through web/net's ReadableStream;
//   2. SSH `exec cat FILE` without a pty, in a worker, output counted and dropped;
//   3. the same with a pty (what the terminal uses);
// next to ssh-proto in Node through the same relay (the same commands). The full path to xterm.js
// is bench/web/page.ts. Ratios within one run are what to compare on a shared machine.
// By default Chromium runs as users run it, with no DevTools attached (the page runs the probes
// and reports over a WebSocket, plain-chromium.ts); METHOD=playwright drives it through Playwright,
// whose DevTools client gets a copy of every WebSocket frame (several times slower; see
// devtools-tax.ts). PROFILE=N (a CPU profile of case N) needs Playwright and uses it.
// Run: npx tsx bench/web/layers.ts [MiB, default 8]   (env ROUNDS=2, CASES=0,3,5, METHOD=plain|playwright)
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { startRelay } from '../../relay/index.ts';
import { startSshd } from '../../tests/peers/index.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../../tests/web/harness.ts';
import { connectRelay } from '../../cli/net-stream.ts';
import { connect } from '../../ssh-proto/index.ts';
import type { Probe } from './layers-probe.ts';
import { drain, type ProbeResult } from './drain.ts';
import { cpuDelta, cpuTimes } from './cpu-times.ts';
import { DRIVER_CSP, runPlainPage } from './plain-chromium.ts';

const MIB = Number(process.argv[2] ?? 8);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const SIZE = MIB * 1024 * 1024;
const PLAIN = (process.env.METHOD ?? 'plain') === 'plain' && !process.env.PROFILE;

const dir = mkdtempSync(join(tmpdir(), 'tessera-layers-'));
await build({ entryPoints: [new URL('./layers-probe.ts', import.meta.url).pathname], bundle: true, format: 'esm', platform: 'browser', outfile: join(dir, 'probe.js'), logLevel: 'error' });
writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="/probe.js"></script>');

// A TCP source: SIZE bytes to whoever connects, then close.
const payload = randomBytes(SIZE);
const source: Server = createServer((s) => { s.on('error', () => undefined); s.end(payload); });
await new Promise<void>((r) => source.listen(0, '127.0.0.1', r));
const sourcePort = (source.address() as { port: number }).port;
// The same bytes in 8 KiB writes, one per event-loop turn: the relay forwards small reads as small
// WebSocket messages, the way a pty's SSH packets arrive.
const trickle: Server = createServer((s) => {
  s.on('error', () => undefined);
  let at = 0;
  const next = () => { if (at >= SIZE) { s.end(); return; } s.write(payload.subarray(at, at += 8192)); setImmediate(next); };
  next();
});
await new Promise<void>((r) => trickle.listen(0, '127.0.0.1', r));
const tricklePort = (trickle.address() as { port: number }).port;

const sshd = await startSshd({ hostKeyTypes: ['ed25519'], hostCertificates: false, logLevel: 'ERROR' });
const file = join('/tmp', `tessera-layers-${process.pid}.txt`);
writeFileSync(file, randomBytes(Math.floor((SIZE * 3) / 4)).toString('base64').replace(/.{76}/g, '$&\n'));
chmodSync(file, 0o644);
const relay = await startRelay({
  config: {
    listen: { host: '127.0.0.1', port: 0 },
    targets: { allow: [`127.0.0.1:${sshd.port}`, `127.0.0.1:${sourcePort}`, `127.0.0.1:${tricklePort}`], allowPrivate: ['127.0.0.0/8'] },
    static: { dir, csp: DRIVER_CSP },
  },
  log: () => undefined,
});
const target = (port: number) => `${relay.url}?host=127.0.0.1&port=${port}`;
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });

/** The same download by Node's WebSocket client (ws), for the browser's per-message cost. */
async function nodeWs(url: string): Promise<ProbeResult> {
  const { WebSocket: NodeWebSocket } = await import('ws');
  const socket = new NodeWebSocket(url);
  let bytes = 0, chunks = 0, maxChunk = 0, t0 = 0;
  return new Promise((resolve) => {
    socket.on('open', () => { t0 = performance.now(); });
    socket.on('message', (d: Buffer) => { bytes += d.length; chunks++; maxChunk = Math.max(maxChunk, d.length); });
    socket.on('close', () => resolve({ bytes, ms: performance.now() - t0, chunks, maxChunk }));
  });
}

async function nodeSsh(pty: boolean): Promise<ProbeResult> {
  const stream = await connectRelay(relay.url, '127.0.0.1', sshd.port);
  const client = await connect(stream, { username: sshd.user, verifyHostKey: async () => undefined, auth: { methods: [{ type: 'password', password: sshd.password }] } });
  try {
    const t0 = performance.now();
    const session = await client.exec(`cat ${file}`, pty ? { pty: { term: 'xterm-256color', cols: 120, rows: 40 } } : {});
    return await drain(session.readable, t0);
  } finally {
    await client.close().catch(() => undefined);
  }
}

const fmt = (r: ProbeResult) => `${(r.bytes / 1e6 / (r.ms / 1000)).toFixed(2).padStart(6)} MB/s  ${String(r.chunks).padStart(6)} chunks, avg ${(r.bytes / r.chunks / 1024).toFixed(1)} KiB, max ${(r.maxChunk / 1024).toFixed(0)} KiB${r.frames ? `; ${r.frames} WebSocket messages, avg ${(r.frameBytes! / r.frames / 1024).toFixed(1)} KiB` : ''}`;
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(120_000);
  await page.goto(relay.url.replace(/^ws:/, 'http:') + '/index.html');
  await page.waitForFunction(() => 'probe' in window);
  const run = (where: 'main' | 'worker', p: Probe) => page.evaluate(([w, q]) => (window as unknown as { probe: Record<string, (q: unknown) => Promise<ProbeResult>> }).probe[w]!(q), [where, p] as const);
  const ssh = (pty: boolean): Extract<Probe, { kind: 'ssh' }> => ({ kind: 'ssh', url: target(sshd.port), user: sshd.user, password: sshd.password, command: `cat ${file}`, pty });
  // A case runs in the browser (where, probe) or in Node (node).
  type Case = { name: string; where?: 'main' | 'worker'; probe?: Probe; node?: () => Promise<ProbeResult> };
  const table: Case[] = [
    { name: '1. WebSocket, worker            ', where: 'worker', probe: { kind: 'ws', url: target(sourcePort) } },
    { name: '1. WebSocket, main thread       ', where: 'main', probe: { kind: 'ws', url: target(sourcePort) } },
    { name: '1. WebSocket 8 KiB writes, wkr  ', where: 'worker', probe: { kind: 'ws', url: target(tricklePort) } },
    { name: '   (Node only: 8 KiB writes)    ', node: () => nodeWs(target(tricklePort)) },
    { name: '1. WebSocket+ReadableStream, wkr', where: 'worker', probe: { kind: 'ws-stream', url: target(sourcePort) } },
    { name: '2. SSH exec cat, no pty, worker ', where: 'worker', probe: ssh(false) },
    { name: '3. SSH exec cat, pty, worker    ', where: 'worker', probe: ssh(true) },
    { name: '3. SSH exec cat, pty, main      ', where: 'main', probe: ssh(true) },
    { name: '3. SSH pty, 16 MiB window, wkr  ', where: 'worker', probe: { ...ssh(true), windowSize: 16 << 20 } },
    { name: '   Node ssh-proto, no pty       ', node: () => nodeSsh(false) },
    { name: '   Node ssh-proto, pty          ', node: () => nodeSsh(true) },
  ];
  const all: [string, () => Promise<ProbeResult>][] = table.map((c) => [c.name, c.node ?? (() => run(c.where!, c.probe!))]);
  // CASES=0,3,5: a subset, by index.
  const cases = process.env.CASES ? process.env.CASES.split(',').map((i) => all[Number(i)]!) : all;
  if (process.env.PROFILE) {
    // PROFILE=N: CPU profile of the page's main thread during case N (its self time, by function).
    const [name, fn] = all[Number(process.env.PROFILE)]!;
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
    console.log(`  ${name} ${fmt(await fn())}`);
    const { profile } = await cdp.send('Profiler.stop');
    const self = new Map<number, number>();
    profile.samples!.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas![i] ?? 0)));
    const byName = new Map<string, number>();
    let total = 0;
    for (const n of profile.nodes) {
      const t = self.get(n.id) ?? 0;
      total += t;
      const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber + 1}`;
      byName.set(key, (byName.get(key) ?? 0) + t);
    }
    for (const [k, t] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 25))) console.log(`${(t / 1000).toFixed(0).padStart(7)} ms ${(t / total * 100).toFixed(1).padStart(5)}%  ${k}`);
    process.exitCode = 0;
  } else console.log(`${MIB} MiB per case, ${PLAIN ? 'Chromium with no DevTools attached' : 'Chromium under Playwright (DevTools attached)'}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const report = (name: string, r: ProbeResult, cpu: [string, number][]) => {
    const mb = r.bytes / 1e6;
    console.log(`  ${name} ${fmt(r)}`);
    // CPU per MB by stage: what the pipeline costs, whatever the machine's load.
    console.log(`      CPU ms/MB: ${cpu.slice(0, 7).map(([k, ms]) => `${k} ${(ms / mb).toFixed(0)}`).join(', ')}`);
  };
  if (PLAIN) {
    // No DevTools attached: one plain Chromium per round runs the browser cases in order; Node's after.
    const picked = process.env.CASES ? process.env.CASES.split(',').map((i) => table[Number(i)]!) : table;
    const inBrowser = picked.filter((c) => c.probe);
    const browserCases = async () => {
      let before = cpuTimes();
      await runPlainPage<{ t: string; i?: number; result?: ProbeResult }>(`${relay.url.replace(/^ws:/, 'http:')}/index.html`, [JSON.stringify(inBrowser.map((c) => ({ where: c.where, probe: c.probe })))], (m) => {
        const now = cpuTimes();
        if (m.t === 'result') report(inBrowser[m.i!]!.name, m.result!, cpuDelta(before, now));
        before = now;
      });
    };
    const nodeCases = async () => {
      for (const c of picked.filter((x) => x.node)) {
        const b = cpuTimes();
        const r = await c.node!();
        report(c.name, r, cpuDelta(b, cpuTimes()));
      }
    };
    for (let round = 1; round <= ROUNDS; round++) {
      // The browser's cases and Node's take turns going first.
      console.log(`round ${round} (no DevTools attached; ${round % 2 ? 'browser' : 'Node'} first):`);
      for (const part of round % 2 ? [browserCases, nodeCases] : [nodeCases, browserCases]) await part();
    }
  }
  for (let round = 1; round <= (process.env.PROFILE || PLAIN ? 0 : ROUNDS); round++) {
    console.log(`round ${round} (Playwright):`);
    for (const [name, fn] of cases) {
      const before = cpuTimes();
      const r = await fn();
      report(name, r, cpuDelta(before, cpuTimes()));
    }
  }
  console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  await browser.close();
  await relay.close({ drainMs: 0 });
  await sshd.stop();
  source.close();
  trickle.close();
  rmSync(file, { force: true });
  rmSync(dir, { recursive: true, force: true });
}
