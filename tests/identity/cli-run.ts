// Runs `tessera ssh` as a user does: a real process (cli/tessera.js), stdio piped, bounded in time, stopped by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../peers/index.ts';

export interface CliRun { code: number | null; stdout: string; stderr: string }

export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves when stderr matches (or rejects when the process ends first or after timeoutMs). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
  readonly done: Promise<CliRun>;
}

export function startTesseraSsh(args: readonly string[], timeoutMs = 40_000): CliProcess {
  const child = spawn(process.execPath, [join(repoRoot, 'cli', 'tessera.js'), 'ssh', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); for (const l of [...listeners]) l(); });
  const timer = setTimeout(() => { if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL'); }, timeoutMs);
  const done = new Promise<CliRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => { clearTimeout(timer); for (const l of [...listeners]) l(); resolve({ code, stdout: out, stderr: err }); });
  });
  return {
    child, done, stderr: () => err,
    waitForStderr: (pattern, waitMs = 20_000) => new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => { listeners.delete(check); reject(new Error(`tessera ssh did not print ${pattern} within ${waitMs} ms; stderr:\n${err}`)); }, waitMs);
      const check = () => {
        if (pattern.test(err)) { clearTimeout(t); listeners.delete(check); resolve(); return; }
        if (child.exitCode !== null || child.signalCode !== null) { clearTimeout(t); listeners.delete(check); reject(new Error(`tessera ssh ended before printing ${pattern}; stderr:\n${err}`)); }
      };
      listeners.add(check);
      check();
    }),
  };
}

export async function runTesseraSsh(args: readonly string[]): Promise<CliRun> {
  const p = startTesseraSsh(args);
  p.child.stdin!.end();
  return p.done;
}
