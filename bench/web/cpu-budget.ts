// The CPU budget of the terminal-throughput target (issue 7: Tessera >= 80% of raw xterm.js), from the
// per-thread CPU times of cpu-times.ts. Each thread of a round goes to one of three parts:
//   (a) the baseline's work: what raw xterm.js also runs to render the bytes, i.e. Chromium's renderer and
//       GPU threads (the renderer's main thread parses and paints; its thread pool helps V8 and paints);
//   (b) Tessera's own code: the SSH worker (the renderer's DedicatedWorker thread) and the relay (this
//       Node process, less what the same process spends in the raw round that follows, where no relay
//       traffic flows: the bench's own work, /proc scans, reports, garbage collection left over);
//   (c) neither ours nor in the baseline, and on other machines in a real deployment: sshd, the shell
//       and `cat` (reaped children), and Chromium's IO threads and network service, which carry the
//       WebSocket traffic.
// The bound: with Tessera's own code at zero cost, a round still costs the baseline's measured (a) (the
// raw round's, not Tessera's: Tessera's extra work on those threads, e.g. its worker's garbage
// collection on the renderer's thread pool, the page's message handling, and the extra frames a slower
// stream paints per MB, counts as (b)) plus Tessera's
// measured (c) less the part of it raw xterm.js also has. Those milliseconds per MB on this machine's
// cores give the most MB/s it allows, and no faster than the renderer's main thread alone allows (it is
// one thread: at most one core). The same model for raw xterm.js ((a) alone) is what the bound is compared
// with, since it holds under load (the measured rates swing with the machine's other work; they are printed
// too, and on a quiet machine raw's measured rate is close to its model). Figures are medians over rounds; each round pairs a Tessera round with
// the raw round of the same round (their order rotates from round to round).
// The renderer's main thread is also split by the scheduler's own counts (schedstat): time on a core and time runnable
// but waiting for one. xterm.js parses and paints there, on one thread, so its wall time is the round's: a main thread
// that does raw's work but waits longer for a core (the SSH worker, the relay, sshd, cat and Chromium's other threads
// wanting both cores) is the gap, not work Tessera adds to it.
import { median } from '../ssh/stats.ts';

/** The parts of one round's CPU, milliseconds per MB. */
export interface RoundBudget {
  readonly rendererMain: number;
  /** Renderer threads other than main, worker and IO, and the GPU process's (IO excepted). */
  readonly rendererOther: number;
  readonly worker: number;
  readonly relay: number;
  /** sshd, the shell, `cat` and any other process that is neither Chromium nor this one. */
  readonly server: number;
  /** Chromium's IO threads and its network service. */
  readonly chromiumIo: number;
  readonly total: number;
  /**
   * The renderer's main thread by the scheduler (schedstat, nanosecond counts): on a core, and runnable but waiting
   * for one (the other threads had both cores). NaN when not measured.
   */
  readonly mainRun: number;
  readonly mainWait: number;
}

type Part = Exclude<keyof RoundBudget, 'total' | 'mainRun' | 'mainWait'>;

/** Keys are "process/thread" as cpu-times.ts names them. */
function partOf(key: string): Part {
  const [proc = '', thread = ''] = key.split('/');
  if (proc.startsWith('node(relay)')) return 'relay';
  if (!proc.startsWith('chromium')) return 'server';
  if (proc === 'chromium-network' || /IOT|IOThread|NetworkService/.test(thread)) return 'chromiumIo';
  if (proc === 'chromium-renderer' && thread === 'DedicatedWorker') return 'worker';
  if (proc === 'chromium-renderer' && thread === 'chromium') return 'rendererMain';
  return 'rendererOther';
}

/** The renderer's main thread, as cpu-times.ts names it. */
const RENDERER_MAIN = 'chromium-renderer/chromium';

export function roundBudget(cpu: readonly (readonly [string, number])[], mb: number, sched?: ReadonlyMap<string, { run: number; wait: number }>): RoundBudget {
  const main = sched?.get(RENDERER_MAIN);
  const b = { rendererMain: 0, rendererOther: 0, worker: 0, relay: 0, server: 0, chromiumIo: 0, total: 0, mainRun: main ? main.run / mb : NaN, mainWait: main ? main.wait / mb : NaN };
  for (const [key, ms] of cpu) {
    b[partOf(key)] += ms / mb;
    b.total += ms / mb;
  }
  return b;
}


/** The budget table and the bound, as printable lines. `rawRate` is raw xterm.js's measured MB/s (median). */
export function budgetLines(tessera: readonly RoundBudget[], raw: readonly RoundBudget[], cores: number, rawRate: number, tesseraRate: number): string[] {
  const pairs = tessera.map((t, i) => [t, raw[i]] as const).filter((p): p is readonly [RoundBudget, RoundBudget] => p[1] !== undefined);
  const m = (f: (t: RoundBudget, r: RoundBudget) => number) => median(pairs.map(([t, r]) => f(t, r)));
  // (a) is the baseline's own cost: raw's Chromium threads (its relay column is the bench's reports alone).
  const a = m((_t, r) => r.rendererMain + r.rendererOther + r.chromiumIo);
  // (c): what the traffic and the server cost, less the IO raw xterm.js also has (the GPU's IPC).
  const c = m((t, r) => t.server + Math.max(0, t.chromiumIo - r.chromiumIo));
  const extra = (t: RoundBudget, r: RoundBudget) => t.rendererMain + t.rendererOther - r.rendererMain - r.rendererOther;
  const relay = (t: RoundBudget, r: RoundBudget) => Math.max(0, t.relay - r.relay);
  const ours = m((t, r) => t.worker + relay(t, r) + extra(t, r));
  const row = (name: string, f: (b: RoundBudget) => number, rawToo = true) =>
    `    ${name.padEnd(44)}${m((t) => f(t)).toFixed(1).padStart(8)}${rawToo ? m((_t, r) => f(r)).toFixed(1).padStart(10) : '         -'}`;
  const lines = [
    `  CPU budget, ms per MB (no DevTools, medians of ${pairs.length} round pairs; /proc per thread, ${cores} cores):`,
    `    ${''.padEnd(44)}  Tessera  raw xterm.js`,
    row('(a) renderer main thread', (b) => b.rendererMain),
    row('(a) renderer thread pool, compositor, GPU', (b) => b.rendererOther),
    row('(b) SSH worker', (b) => b.worker, false),
    row("(b) relay (this process, the bench's work too)", (b) => b.relay),
    row('(c) sshd, shell and cat', (b) => b.server),
    row('(c) Chromium IO threads and network service', (b) => b.chromiumIo),
    row('total', (b) => b.total),
    ...(pairs.every(([t, r]) => Number.isFinite(t.mainWait + r.mainWait)) ? [
      row('renderer main thread on a core (schedstat)', (b) => b.mainRun),
      row('renderer main thread waiting for a core', (b) => b.mainWait),
      `    (the main thread's own work against raw's, per round pair: ${m((t, r) => t.mainRun / r.mainRun).toFixed(2)}x; its wait for a core: ${m((t, r) => t.mainWait - r.mainWait).toFixed(1)} ms/MB more than raw's: the other threads' CPU, Tessera's and the server's, took the cores)`,
    ] : []),
    `    Tessera's own cost (b): ${ours.toFixed(1)} ms/MB = worker + relay net of the bench's own (${m(relay).toFixed(1)}) + ${m(extra).toFixed(1)} more than raw on the (a) threads (the page's side, the worker's garbage collection, more frames per MB)`,
  ];
  // The same model for raw xterm.js itself: its CPU alone on these cores, and its main thread alone. Comparing
  // model to model holds under any load; the measured rates swing with what else the machine runs.
  const rMain = m((_t, r) => r.rendererMain);
  const rawBound = Math.min(cores * 1000 / a, 1000 / rMain);
  const bound = Math.min(cores * 1000 / (a + c), 1000 / rMain);
  const withOurs = Math.min(cores * 1000 / (a + c + ours), 1000 / m((t) => t.rendererMain));
  const room = cores * 1000 / (0.8 * rawBound) - a - c;
  // A real deployment runs the relay, sshd and cat on other machines: the client's cores carry only Chromium.
  const client = m((t) => t.total - t.relay - t.server);
  const clientBound = Math.min(cores * 1000 / client, 1000 / m((t) => t.rendererMain));
  lines.push(
    `  raw xterm.js's own bound: (a) ${a.toFixed(1)} ms/MB on ${cores} cores, its main thread ${rMain.toFixed(1)} ms/MB on one -> ${rawBound.toFixed(1)} MB/s (${rawRate.toFixed(2)} measured)`,
    `  bound with Tessera's own code at zero cost: (a) + (c) ${(a + c).toFixed(1)} ms/MB -> ${bound.toFixed(1)} MB/s = ${(bound / rawBound * 100).toFixed(0)}% of raw's bound` +
      ` (${(bound / rawRate * 100).toFixed(0)}% of raw's measured rate)`,
    `  80% of raw's bound leaves Tessera's own code ${room.toFixed(1)} ms/MB; it spends ${ours.toFixed(1)}: with it the model gives ${withOurs.toFixed(1)} MB/s = ${(withOurs / rawBound * 100).toFixed(0)}% (measured ${tesseraRate.toFixed(2)} MB/s = ${(tesseraRate / rawRate * 100).toFixed(0)}%)`,
    `  with the relay, sshd and cat on other machines (a deployment), Tessera's Chromium costs ${client.toFixed(1)} ms/MB on the client's ${cores} cores -> ${clientBound.toFixed(1)} MB/s = ${(clientBound / rawBound * 100).toFixed(0)}% of raw's bound`,
  );
  return lines;
}
