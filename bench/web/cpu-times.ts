// CPU time of this process and every process it started (Chromium's, sshd's), per thread, from
// /proc (Linux). On a shared machine throughput swings with the load; CPU milliseconds per MB of
// each stage (relay, sshd, Chromium's network service, the SSH worker, the page's main thread) do not.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** `comm` and the fields after it of /proc/.../stat (the name may hold spaces and parentheses). */
function stat(path: string): { comm: string; fields: string[] } | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    const open = text.indexOf('(');
    const close = text.lastIndexOf(')');
    return { comm: text.slice(open + 1, close), fields: text.slice(close + 2).split(' ') };
  } catch {
    return undefined; // the process or thread ended meanwhile
  }
}

/** What the scheduler says of a thread (/proc/.../schedstat, nanosecond counts): milliseconds on a core, and runnable but waiting for one. */
export interface SchedTime { run: number; wait: number }

/**
 * Milliseconds of CPU (user + system) by "process/thread" name, over this process and its descendants. With
 * `sched`, the same walk also fills it with each live thread's scheduler times (SchedTime): a thread's wall time
 * less both is time it slept, having nothing to do.
 */
export function cpuTimes(root = process.pid, sched?: Map<string, SchedTime>): Map<string, number> {
  const parent = new Map<number, number>();
  const comm = new Map<number, string>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(`/proc/${name}/stat`);
    if (!s) continue;
    parent.set(Number(name), Number(s.fields[1]));
    comm.set(Number(name), s.comm);
  }
  const isOurs = (pid: number): boolean => {
    for (let p: number | undefined = pid, n = 0; p !== undefined && p > 1 && n < 64; p = parent.get(p), n++) if (p === root) return true;
    return false;
  };
  const out = new Map<string, number>();
  for (const pid of parent.keys()) {
    if (!isOurs(pid)) continue;
    let tasks: string[];
    try { tasks = readdirSync(`/proc/${pid}/task`); } catch { continue; }
    const kind = processKind(pid, comm.get(pid) ?? '?');
    const whole = stat(`/proc/${pid}/stat`);
    if (!whole) continue;
    // The process's own line counts its ended threads too; cutime/cstime count its reaped children
    // (an sshd session and its `cat`, once they exit).
    let live = 0;
    const add = (key: string, ms: number) => out.set(key, (out.get(key) ?? 0) + ms);
    add(`${kind}/(reaped children)`, (Number(whole.fields[13]) + Number(whole.fields[14])) * TICK_MS);
    for (const tid of tasks) {
      const s = stat(`/proc/${pid}/task/${tid}/stat`);
      if (!s) continue;
      // Fields 14 and 15 of stat (utime, stime): indexes 11 and 12 after the name.
      const ms = (Number(s.fields[11]) + Number(s.fields[12])) * TICK_MS;
      live += ms;
      add(`${kind}/${s.comm}`, ms);
      if (sched) addSched(sched, `${kind}/${s.comm}`, `/proc/${pid}/task/${tid}/schedstat`);
    }
    add(`${kind}/(ended threads)`, (Number(whole.fields[11]) + Number(whole.fields[12])) * TICK_MS - live);
  }
  return out;
}

function addSched(sched: Map<string, SchedTime>, key: string, path: string): void {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch { return; } // ended meanwhile
  const [run = 0, wait = 0] = text.split(' ').map(Number);
  const t = sched.get(key) ?? { run: 0, wait: 0 };
  sched.set(key, { run: t.run + run / 1e6, wait: t.wait + wait / 1e6 });
}

/** The difference of two scheduler snapshots (threads that ended meanwhile drop out). */
export function schedDelta(before: Map<string, SchedTime>, after: Map<string, SchedTime>): Map<string, SchedTime> {
  const d = new Map<string, SchedTime>();
  for (const [k, v] of after) {
    const b = before.get(k) ?? { run: 0, wait: 0 };
    d.set(k, { run: v.run - b.run, wait: v.wait - b.wait });
  }
  return d;
}

/** Chromium's processes all say "chromium": its --type= flag tells renderer, network service and GPU apart. */
function processKind(pid: number, comm: string): string {
  if (pid === process.pid) return 'node(relay)';
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const type = /--type=([a-z-]+)/.exec(cmd)?.[1];
    const sub = /--utility-sub-type=([a-z.]+)/.exec(cmd)?.[1];
    if (/chrom/.test(comm) || /chrom/.test(cmd)) return `chromium-${sub ? sub.split('.')[0] ?? sub : type ?? 'browser'}`;
  } catch { /* gone */ }
  return comm;
}

/** The difference of two snapshots, largest first, entries of at least `minMs`. */
export function cpuDelta(before: Map<string, number>, after: Map<string, number>, minMs = 20): [string, number][] {
  const d: [string, number][] = [];
  for (const [k, v] of after) { const x = v - (before.get(k) ?? 0); if (x >= minMs) d.push([k, x]); }
  return d.sort((a, b) => b[1] - a[1]);
}
