// The CPU budget of the terminal-throughput target (issue 7: Tessera >= 80% of raw xterm.js), from the
// per-thread CPU times of cpu-times.ts. Each thread of a round goes to one of three parts:
//   (a) the baseline's work: what raw xterm.js also runs to render the bytes, i.e. Chromium's renderer and
//       GPU threads (the renderer's main thread parses and paints; its thread pool helps V8 and paints);
//   (b) Tessera's own code: the SSH worker (the renderer's DedicatedWorker thread) and the relay (this
//       Node process, which also runs the bench's few report messages: ~1-2 ms/MB in raw rounds);
//   (c) neither ours nor in the baseline, and on other machines in a real deployment: sshd, the shell
//       and `cat` (reaped children), and Chromium's IO threads and network service, which carry the
//       WebSocket traffic.
// The bound: with Tessera's own code at zero cost, a round still costs the baseline's measured (a) (the
// raw round's, not Tessera's: Tessera's extra work on those threads, e.g. its worker's garbage
// collection on the renderer's thread pool or the page's message handling, counts as (b)) plus Tessera's
// measured (c) less the part of it raw xterm.js also has. Those milliseconds per MB on this machine's
// cores give the most MB/s it allows, and no faster than the renderer's main thread alone allows (it is
// one thread: at most one core). Figures are medians over rounds; each round pairs a Tessera round with
// the raw round that follows it.

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
}

type Part = Exclude<keyof RoundBudget, 'total'>;

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

export function roundBudget(cpu: readonly (readonly [string, number])[], mb: number): RoundBudget {
  const b = { rendererMain: 0, rendererOther: 0, worker: 0, relay: 0, server: 0, chromiumIo: 0, total: 0 };
  for (const [key, ms] of cpu) {
    b[partOf(key)] += ms / mb;
    b.total += ms / mb;
  }
  return b;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** The budget table and the bound, as printable lines. `rawRate` is raw xterm.js's measured MB/s (median). */
export function budgetLines(tessera: readonly RoundBudget[], raw: readonly RoundBudget[], cores: number, rawRate: number, tesseraRate: number): string[] {
  const pairs = tessera.map((t, i) => [t, raw[i]] as const).filter((p): p is readonly [RoundBudget, RoundBudget] => p[1] !== undefined);
  const m = (f: (t: RoundBudget, r: RoundBudget) => number) => median(pairs.map(([t, r]) => f(t, r)));
  // (a) is the baseline's own cost: raw's Chromium threads (its relay column is the bench's reports alone).
  const a = m((_t, r) => r.rendererMain + r.rendererOther + r.chromiumIo);
  // (c): what the traffic and the server cost, less the IO raw xterm.js also has (the GPU's IPC).
  const c = m((t, r) => t.server + Math.max(0, t.chromiumIo - r.chromiumIo));
  const extra = (t: RoundBudget, r: RoundBudget) => t.rendererMain + t.rendererOther - r.rendererMain - r.rendererOther;
  const ours = m((t, r) => t.worker + t.relay + extra(t, r));
  const row = (name: string, f: (b: RoundBudget) => number, rawToo = true) =>
    `    ${name.padEnd(44)}${m((t) => f(t)).toFixed(1).padStart(8)}${rawToo ? m((_t, r) => f(r)).toFixed(1).padStart(10) : '         -'}`;
  const lines = [
    `  CPU budget, ms per MB (no DevTools, medians of ${pairs.length} round pairs; /proc per thread, ${cores} cores):`,
    `    ${''.padEnd(44)}  Tessera  raw xterm.js`,
    row('(a) renderer main thread', (b) => b.rendererMain),
    row('(a) renderer thread pool, compositor, GPU', (b) => b.rendererOther),
    row('(b) SSH worker', (b) => b.worker, false),
    row('(b) relay (Node; includes the bench reports)', (b) => b.relay),
    row('(c) sshd, shell and cat', (b) => b.server),
    row('(c) Chromium IO threads and network service', (b) => b.chromiumIo),
    row('total', (b) => b.total),
    `    Tessera's own cost (b): ${ours.toFixed(1)} ms/MB = worker + relay + ${m(extra).toFixed(1)} more than raw on the (a) threads (the page's side, the worker's garbage collection)`,
  ];
  const byCores = cores * 1000 / (a + c);
  const byMain = 1000 / m((_t, r) => r.rendererMain);
  const bound = Math.min(byCores, byMain);
  const need = 0.8 * rawRate;
  lines.push(
    `  bound with Tessera's own code at zero cost: (a) ${a.toFixed(1)} + (c) ${c.toFixed(1)} ms/MB on ${cores} cores -> ${byCores.toFixed(1)} MB/s; the main thread alone -> ${byMain.toFixed(1)} MB/s;` +
      ` at most ${bound.toFixed(1)} MB/s = ${(bound / rawRate * 100).toFixed(0)}% of raw xterm.js (${rawRate.toFixed(2)} MB/s measured)`,
    `  80% of raw is ${need.toFixed(1)} MB/s: on ${cores} cores that leaves Tessera's own code ${Math.max(0, cores * 1000 / need - a - c).toFixed(1)} ms/MB (it spends ${ours.toFixed(1)}; with it, ${(cores * 1000 / (a + c + ours)).toFixed(1)} MB/s fit, ${tesseraRate.toFixed(2)} measured)`,
  );
  return lines;
}
