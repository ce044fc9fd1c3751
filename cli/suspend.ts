// ~^Z: `tessera ssh` stops as a shell job (ssh(1) clientloop.c client_suspend_self): the terminal leaves raw mode,
// SIGTSTP stops the process, and when the shell continues it (fg or bg send SIGCONT) raw mode and the window size
// come back.
import { readFileSync } from 'node:fs';

interface ProcStat { ppid: number; pgrp: number; session: number }

/** /proc/PID/stat fields 4-6 (proc(5)); the command name in parentheses may hold spaces. */
function procStat(pid: number | 'self'): ProcStat {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(f[1]), pgrp: Number(f[2]), session: Number(f[3]) };
}

/**
 * Whether a stop is possible: the kernel discards SIGTSTP for an orphaned process group (POSIX: no member has a parent
 * in another group of the same session), i.e. when nothing with job control could continue it. Linux /proc only;
 * elsewhere assumed possible.
 */
export function canSuspend(): boolean {
  if (process.platform !== 'linux') return true;
  try {
    let p = procStat('self');
    const { pgrp, session } = p;
    // The first ancestor outside our group (`npx` and the like share it) decides.
    for (let depth = 0; depth < 64 && p.ppid > 1; depth++) {
      const parent = procStat(p.ppid);
      if (parent.pgrp !== pgrp) return parent.session === session;
      p = parent;
    }
    return false;
  } catch {
    return false;
  }
}

/** Stops this process (SIGTSTP to itself); `onContinue` runs once it is continued. */
export function suspendSelf(onContinue: () => void): void {
  process.once('SIGCONT', onContinue);
  process.kill(process.pid, 'SIGTSTP');
}
