// The page's cost and the terminal's speed, on a local production build in Debian's Chromium.
//   1. Initial JavaScript transferred (gzip, as a compressing server would send it) and time to
//      interactive (navigation start → the app's 'tessera-ready' mark), median of 5 cold loads.
//   2. Terminal throughput: `cat` of a file through Tessera (sshd → relay → SSH in the page's
//      worker → xterm.js) vs raw xterm.js writing the same bytes in the same page; MB/s and the
//      ratio. Also: SSH in the page itself (?ssh=page), and the SSH path alone (the terminal drops
//      the bytes), which bounds what the terminal side can reach on this machine.
//      Measured twice, the same way for Tessera and raw xterm.js:
//      - as a user runs Chromium: no DevTools client attached; the page drives itself (page-driver.ts)
//        and reports over a WebSocket. This is the headline figure;
//      - under Playwright, which attaches DevTools with the Network domain on: Chromium then copies
//        every WebSocket frame with its payload to the DevTools client, a cost users never pay.
// Run: npx tsx bench/web/page.ts [MiB for cat, default 16]
//   (4 MiB rounds last under half a second: their ratio swung from 53% to 89% between runs on one quiet machine;
//   16 MiB and 5 rounds gave 52% each time.)
//   (env ROUNDS=5, ONLY=cost|throughput, METHOD=both|plain|playwright, CPU=1: CPU ms per MB by process/thread for each no-DevTools round
//   and the renderer main thread's time on a core and waiting for one,
//   IN_PAGE=0: no rounds with SSH in the page; AB_PAUSE=1: only Tessera and raw rounds, in runs alternating the relay's
//   read pacing off and on (relay/read-pacing.ts), with the budget of each; AB_PAUSE=0,1,2: those pauses in ms;
//   profiling without DevTools: BENCH_NO_MINIFY=1 BENCH_CHROMIUM_ARGS='--js-flags=--prof,--logfile=/tmp/v8-%p.log --no-zygote',
//   then node --prof-process on the worker isolate's log)
// The no-DevTools rounds also give the CPU budget (cpu-budget.ts, which states the method): CPU ms per MB of every
// thread of every process in the run (/proc, cpu-times.ts), split into (a) the work raw xterm.js does too (renderer,
// GPU), (b) Tessera's own code (SSH worker, relay) and (c) the server and Chromium's network threads; and the
// most MB/s this machine's cores allow with (b) at zero cost, against raw xterm.js: whether 80% is reachable here.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { startSshd, type SshServerPeer } from '../../tests/peers/index.ts';
import { openApp, startWebStack, type WebStack } from '../../tests/web/harness.ts';
import { connectRelay } from '../../cli/net-stream.ts';
import { connect } from '../../ssh-proto/index.ts';
import { median, ratioSummary, rotated } from '../ssh/stats.ts';
import { budgetLines, roundBudget, type RoundBudget } from './cpu-budget.ts';
import { cpuDelta, cpuTimes, schedDelta, type SchedTime } from './cpu-times.ts';
import { addDriver, DRIVER_CSP, runPlain } from './plain-chromium.ts';

const MIB = Number(process.argv[2] ?? 16);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const ONLY = process.env.ONLY; // 'cost' or 'throughput'
const METHOD = process.env.METHOD ?? 'both';

interface BenchWindow { base: number; first?: number; raw?: Uint8Array }

async function pageCost(): Promise<void> {
  const stack = await startWebStack({ config: {} });
  try {
    const ttis: number[] = [];
    let initialJs: { url: string; raw: number; gzip: number }[] = [];
    for (let i = 0; i < 5; i++) {
      const { context, page } = await stack.newPage();
      const scripts: string[] = [];
      page.on('request', (r) => { if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname); });
      await openApp(page, stack.baseUrl);
      ttis.push(await page.evaluate(() => performance.getEntriesByName('tessera-ready')[0]?.startTime ?? NaN));
      if (i === 0) {
        initialJs = scripts.map((path) => {
          const body = readFileSync(join(stack.staticDir, path));
          return { url: path, raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
        });
      }
      await context.close();
    }
    const total = initialJs.reduce((n, s) => n + s.gzip, 0);
    for (const s of initialJs) console.log(`  ${s.url}: ${(s.raw / 1024).toFixed(1)} KiB, ${(s.gzip / 1024).toFixed(1)} KiB gzip`);
    console.log(`initial JS: ${(total / 1024).toFixed(1)} KiB gzip (target <= 300 KiB)`);
    console.log(`time to interactive: ${median(ttis).toFixed(0)} ms (median of ${ttis.length}: ${ttis.map((t) => t.toFixed(0)).join(', ')})`);
  } finally {
    await stack.stop();
  }
}

interface Shell { page: Page; bytes: number; file: string }

/** A page signed in to sshd with stty -echo, SSH in the worker or (?ssh=page) in the page. */
async function openShell(stack: WebStack, sshd: SshServerPeer, query: string): Promise<Page> {
  const { page } = await stack.newPage();
  await openApp(page, stack.baseUrl + query);
  await page.selectOption('#auth-method', 'password');
  await page.fill('#password', sshd.password);
  await page.click('#connect-button');
  await page.waitForFunction(() => /^Connected/.test(window.tessera?.status() ?? ''), undefined, { timeout: 30_000 });
  await page.locator('#terminal .xterm-helper-textarea').focus();
  await page.keyboard.type('stty -echo');
  await page.keyboard.press('Enter');
  return page;
}

/**
 * `cat` through Tessera: from the first byte of output until xterm.js has parsed the last byte (its
 * write callback), and the start-up latency (Enter to first byte). With `sink`, the terminal drops
 * the bytes: the SSH path alone.
 */
async function catRound({ page, bytes, file }: Shell, sink: boolean): Promise<{ rate: number; startMs: number }> {
  await page.evaluate(async (drop) => {
    const v = window.tessera!.app.terminal;
    const term = v.terminal as unknown as { write(d: unknown, cb?: () => void): void; realWrite?: (d: unknown, cb?: () => void) => void };
    term.realWrite ??= term.write.bind(term);
    term.write = drop ? (_d, cb) => { if (cb) setTimeout(cb); } : term.realWrite;
    v.terminal.clear();
    await v.flush();
  }, sink);
  await page.keyboard.type(`cat ${file}`);
  const start = await page.evaluate(() => {
    const w = window as unknown as BenchWindow;
    const v = window.tessera!.app.terminal as unknown as { writeBytes(c: Uint8Array, release?: () => void): unknown; benchHooked?: boolean };
    if (!v.benchHooked) {
      // Notes when the first byte of the output reaches the terminal.
      const inner = v.writeBytes.bind(v);
      v.writeBytes = (c, release) => { w.first ??= performance.now(); return inner(c, release); };
      v.benchHooked = true;
    }
    w.base = window.tessera!.app.terminal.bytesWritten;
    delete w.first;
    return performance.now();
  });
  await page.keyboard.press('Enter');
  await page.waitForFunction((n) => window.tessera!.app.terminal.bytesWritten - (window as unknown as BenchWindow).base >= n, bytes, { timeout: 300_000, polling: 50 });
  const { end, first } = await page.evaluate(async () => {
    await window.tessera!.app.terminal.flush();
    const end = performance.now();
    // The next variant writes into the real terminal again (a raw round after a sink round measured dropped writes).
    const term = window.tessera!.app.terminal.terminal as unknown as { write: unknown; realWrite?: unknown };
    if (term.realWrite) term.write = term.realWrite;
    return { end, first: (window as unknown as BenchWindow).first! };
  });
  // From the first byte: the command's trip to sshd and cat's start-up are latency, not throughput
  // (raw xterm.js has neither); that latency is reported apart.
  return { rate: (bytes / 1e6) / ((end - first) / 1000), startMs: first - start };
}

/**
 * Raw xterm.js: the same bytes (with the pty's \r\n) written straight into the same terminal (same
 * renderer, same size), in 32 KiB chunks like SSH channel data, until the last write callback.
 */
async function rawRound(page: Page, rawText: Buffer): Promise<number> {
  await page.evaluate((b64) => { (window as unknown as BenchWindow).raw ??= Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)); }, rawText.toString('base64'));
  return page.evaluate(async () => {
    const data = (window as unknown as BenchWindow).raw!;
    const view = window.tessera!.app.terminal;
    view.terminal.clear();
    await view.flush();
    const t0 = performance.now();
    for (let i = 0; i < data.length; i += 32768) view.terminal.write(data.subarray(i, i + 32768));
    await new Promise<void>((r) => view.terminal.write('', r));
    return (data.length / 1e6) / ((performance.now() - t0) / 1000);
  });
}

/**
 * The same `cat` through the same relay and sshd pty, read by ssh-proto in Node (no browser): what the
 * machine's pipeline (pty, sshd, relay) delivers at the moment, from the first byte to the last.
 */
async function nodeRound(relayUrl: string, sshd: SshServerPeer, file: string, bytes: number): Promise<number> {
  const stream = await connectRelay(relayUrl, '127.0.0.1', sshd.port);
  const client = await connect(stream, { username: sshd.user, verifyHostKey: async () => undefined, auth: { methods: [{ type: 'password', password: sshd.password }] } });
  try {
    const shell = await client.shell({ pty: { term: 'xterm-256color', cols: 180, rows: 40 } });
    const writer = shell.writable.getWriter();
    await writer.write(new TextEncoder().encode(`stty -echo; cat ${file}\n`));
    const reader = shell.readable.getReader();
    let n = 0;
    let first = 0;
    while (n < bytes) {
      const { value, done } = await reader.read();
      if (done) break;
      // The prompt and command line come first; the file's lines are long.
      if (!first && value.length > 200) first = performance.now();
      if (first) n += value.length;
    }
    return (n / 1e6) / ((performance.now() - first) / 1000);
  } finally {
    await client.close('benchmark done').catch(() => undefined);
  }
}

const ratio = (t: number, r: number) => `${(t / r * 100).toFixed(0)}%`;

/**
 * The headline: Chromium with no DevTools attached, the page driving itself. Rounds alternate
 * Tessera, raw xterm.js and the SSH path alone in one page (SSH in the worker), then SSH in the page.
 */
async function plainRuns(stack: WebStack, sshd: SshServerPeer, file: string, bytes: number, rawText: Buffer): Promise<string[]> {
  await addDriver(stack.staticDir);
  const runs = new Map<string, number[]>();
  let info = '';
  // Budgets by label ('' normally; with AB_PAUSE=1, 'pause 0' and 'pause N': the relay's bulkReadPauseMs).
  const budgets = new Map<string, { tessera: RoundBudget[]; raw: RoundBudget[] }>();
  let label = '';
  let schedBefore = new Map<string, SchedTime>();
  let cpuBefore = cpuTimes(process.pid, schedBefore);
  let usageBefore = process.cpuUsage();
  // WebSocket frames the relay sent (one per read from sshd): the per-message costs downstream scale with them.
  const relayFrames = () => stack.relay.sessions().reduce((n, s) => n + s.framesDown, 0);
  let framesBefore = relayFrames();
  const onReport = (prefix: string) => (r: Parameters<Parameters<typeof runPlain>[3]>[0]) => {
    // CPU per MB by process/thread between two reports (one round): comparable under any load.
    const schedNow = new Map<string, SchedTime>();
    const cpuNow = cpuTimes(process.pid, schedNow);
    const all = cpuDelta(cpuBefore, cpuNow, 0);
    const sched = schedDelta(schedBefore, schedNow);
    schedBefore = schedNow;
    const cpu = all.filter(([, ms]) => ms >= 20);
    cpuBefore = cpuNow;
    const usage = process.cpuUsage(usageBefore);
    usageBefore = process.cpuUsage();
    const framesNow = relayFrames();
    const frames = Math.max(0, framesNow - framesBefore);
    framesBefore = framesNow;
    if (r.t === 'ready') info = `renderer ${r.renderer}, ${/\(([^)]*)\)/.exec(r.status)?.[1] ?? r.status}`;
    if (r.t !== 'round') return;
    if (r.round === 0) { console.log(`  no DevTools, warm-up: ${prefix === 'page-' ? `SSH in the page ${r.variant}` : r.variant} ${r.rate.toFixed(2)} MB/s`); return; }
    const key = prefix + r.variant;
    if (key === 'tessera' || key === 'raw') {
      const b = budgets.get(label) ?? { tessera: [], raw: [] };
      budgets.set(label, b);
      b[key].push(roundBudget(all, bytes / 1e6, sched));
    }
    runs.set(label + key, [...(runs.get(label + key) ?? []), r.rate]);
    console.log(`  no DevTools, round ${r.round}${label ? ` (${label})` : ''}: ${prefix === 'page-' ? `SSH in the page${r.variant === 'sink' ? ', terminal drops the bytes' : ''}` : r.variant} ${r.rate.toFixed(2)} MB/s, ${r.fps.toFixed(0)} frames/s${r.workerMessages ? `, ${r.workerMessages} worker messages` : ''}${frames ? `, ${(frames / (bytes / 1e6)).toFixed(0)} relay frames/MB` : ''}${r.startMs !== undefined ? ` (Enter to first byte ${r.startMs.toFixed(0)} ms)` : ''}`);
    if (process.env.CPU) {
      const perMb = (us: number) => (us / 1000 / (bytes / 1e6)).toFixed(1);
      const main = sched.get('chromium-renderer/chromium');
      const mainLine = main ? `; renderer main thread (schedstat): on a core ${(main.run / (bytes / 1e6)).toFixed(1)}, waiting for one ${(main.wait / (bytes / 1e6)).toFixed(1)}` : '';
      console.log(`      CPU ms/MB: ${cpu.slice(0, 8).map(([k, ms]) => `${k} ${(ms / (bytes / 1e6)).toFixed(0)}`).join(', ')}; this process (relay): user ${perMb(usage.user)}, system ${perMb(usage.system)}${mainLine}`);
    }
  };
  const plan = { password: sshd.password, file, bytes, rounds: ROUNDS, lastLine: rawText.toString('latin1').trimEnd().split('\r\n').at(-1)! };
  const limits = stack.relay.config.limits as { bulkReadPauseMs: number };
  if (process.env.AB_PAUSE) {
    // A/B of the relay's read pacing (relay/read-pacing.ts): worker runs alternate the pauses listed
    // (AB_PAUSE=1: off and the default), each run a new SSH session.
    const on = limits.bulkReadPauseMs;
    const pauses = process.env.AB_PAUSE === '1' ? [0, on] : process.env.AB_PAUSE.split(',').map(Number);
    for (let i = 0; i < 2; i++) {
      for (const pause of pauses) {
        limits.bulkReadPauseMs = pause;
        label = `pause ${pause}`;
        await runPlain(`${stack.baseUrl}/bench.html`, { ...plan, variants: ['tessera', 'raw'] }, rawText, onReport(''));
      }
    }
    limits.bulkReadPauseMs = on;
    const lines: string[] = [];
    for (const [l, b] of budgets) {
      const m = (k: string) => median(runs.get(l + k) ?? [NaN]);
      lines.push(`  relay ${l} ms: Tessera ${m('tessera').toFixed(2)} MB/s, raw xterm.js ${m('raw').toFixed(2)} MB/s, ratio ${ratio(m('tessera'), m('raw'))}`, ...budgetLines(b.tessera, b.raw, availableParallelism(), m('raw'), m('tessera')));
    }
    return lines;
  }
  await runPlain(`${stack.baseUrl}/bench.html`, { ...plan, variants: ['tessera', 'raw', 'sink'] }, rawText, onReport(''));
  if (process.env.IN_PAGE !== '0') await runPlain(`${stack.baseUrl}/bench.html?ssh=page`, { ...plan, variants: ['tessera', 'sink'] }, rawText, onReport('page-'));
  const m = (k: string) => median(runs.get(k) ?? [NaN]);
  const b = budgets.get('') ?? { tessera: [], raw: [] };
  const budget = budgetLines(b.tessera, b.raw, availableParallelism(), m('raw'), m('tessera'));
  const inPage = (k: string) => (runs.has(k) ? `${m(k).toFixed(2)} MB/s` : 'not run (IN_PAGE=0)');
  // Each round's Tessera rate over the same round's raw rate: paired, so load that hits a whole round cancels out.
  const t = runs.get('tessera') ?? [];
  const perRound = t.map((v, i) => v / (runs.get('raw')?.[i] ?? NaN)).filter(Number.isFinite);
  return [`  no DevTools attached (as users run Chromium), medians of ${ROUNDS}, ${info}: Tessera (SSH worker) ${m('tessera').toFixed(2)} MB/s, raw xterm.js ${m('raw').toFixed(2)} MB/s, ratio ${ratio(m('tessera'), m('raw'))} (target >= 80%); SSH in the page ${inPage('page-tessera')}; SSH path alone (terminal drops the bytes) ${m('sink').toFixed(2)} MB/s in the worker, ${inPage('page-sink')} in the page`,
    `  per-round ratio Tessera / raw xterm.js (the same round's pair): ${ratioSummary(perRound)}; rounds ${perRound.map((r) => `${(r * 100).toFixed(0)}%`).join(', ')}`, ...budget];
}

/** The same rounds driven by Playwright (DevTools attached), and ssh-proto in Node through the same relay and pty. */
async function playwrightRuns(stack: WebStack, sshd: SshServerPeer, file: string, bytes: number, rawText: Buffer): Promise<string[]> {
  const worker: Shell = { page: await openShell(stack, sshd, ''), bytes, file };
  const inPage: Shell = { page: await openShell(stack, sshd, '?ssh=page'), bytes, file };
  // Rounds alternate the variants, so a busy machine slows them alike.
  const runs = { tessera: [] as number[], inPage: [] as number[], raw: [] as number[], sshOnly: [] as number[], node: [] as number[] };
  // Round n starts n places further on in this list (rotated), so no variant always runs first or after another.
  const variants: [keyof typeof runs, () => Promise<number>][] = [
    ['tessera', async () => (await catRound(worker, false)).rate],
    ['raw', () => rawRound(worker.page, rawText)],
    ['inPage', async () => (await catRound(inPage, false)).rate],
    ['sshOnly', async () => (await catRound(worker, true)).rate],
    ['node', () => nodeRound(stack.relay.url, sshd, file, bytes)],
  ];
  const lastLine = rawText.toString('latin1').trimEnd().split('\r\n').at(-1)!;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of rotated(variants, round)) {
      runs[name].push(await run());
      // As the driver does: the terminal must show the file's last line (nothing lost, nothing dropped).
      const page = name === 'inPage' ? inPage.page : worker.page;
      if (['tessera', 'raw', 'inPage'].includes(name) && !await page.evaluate((l) => window.tessera!.terminalText().includes(l), lastLine)) {
        throw new Error(`Playwright, round ${round + 1}: after the ${name} round the terminal does not show the file's last line`);
      }
    }
    console.log(`  Playwright, round ${round + 1}: Tessera ${runs.tessera.at(-1)!.toFixed(2)}, SSH in the page ${runs.inPage.at(-1)!.toFixed(2)}, raw xterm.js ${runs.raw.at(-1)!.toFixed(2)}, SSH path alone ${runs.sshOnly.at(-1)!.toFixed(2)}, Node client ${runs.node.at(-1)!.toFixed(2)} MB/s`);
  }
  await worker.page.context().close();
  await inPage.page.context().close();
  const m = median;
  return [
    `  under Playwright (DevTools attached, every WebSocket frame copied to it), medians of ${ROUNDS}: Tessera (SSH worker) ${m(runs.tessera).toFixed(2)} MB/s, raw xterm.js ${m(runs.raw).toFixed(2)} MB/s, ratio ${ratio(m(runs.tessera), m(runs.raw))}; SSH in the page ${m(runs.inPage).toFixed(2)} MB/s; SSH path alone ${m(runs.sshOnly).toFixed(2)} MB/s`,
    `  ssh-proto in Node, same relay and pty: ${m(runs.node).toFixed(2)} MB/s`,
  ];
}

async function throughput(): Promise<void> {
  const sshd = await startSshd({ hostKeyTypes: ['ed25519'], hostCertificates: false, logLevel: 'ERROR' });
  // Printable lines, like a log file: base64 of random bytes, 76 columns.
  const text = randomBytes(Math.floor((MIB * 1024 * 1024 * 3) / 4)).toString('base64').replace(/.{76}/g, '$&\n');
  const file = join('/tmp', `tessera-bench-${process.pid}.txt`);
  writeFileSync(file, text);
  chmodSync(file, 0o644);
  const stack = await startWebStack({
    allow: [`127.0.0.1:${sshd.port}`],
    csp: DRIVER_CSP,
    config: { defaultHost: '127.0.0.1', defaultPort: sshd.port, defaultUser: sshd.user, knownHosts: sshd.knownHosts().trim().split('\n') },
  });
  try {
    const bytes = Buffer.byteLength(text.replace(/\n/g, '\r\n')); // the pty turns \n into \r\n (not one byte more: that waited for the prompt)
    const rawText = Buffer.from(text.replace(/\n/g, '\r\n'));
    const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
    console.log(`terminal throughput, ${MIB} MiB cat; load average ${load()}`);
    const lines: string[] = [];
    if (METHOD !== 'playwright') lines.push(...await plainRuns(stack, sshd, file, bytes, rawText));
    if (METHOD !== 'plain') lines.push(...await playwrightRuns(stack, sshd, file, bytes, rawText));
    console.log(`summary (load average ${load()}):`);
    for (const line of lines) console.log(line);
  } finally {
    await stack.stop();
    await sshd.stop();
    rmSync(file, { force: true });
  }
}

if (ONLY !== 'throughput') await pageCost();
if (ONLY !== 'cost') await throughput();
