// Runs an SSH client command (`tessera ssh` or /usr/bin/ssh) to its end for the process tests: its output, its exit
// code, killed by its pid after 60 s. Stdin is an ended pipe, unless `input` is given: then that is written and
// stdin stays open (a client that reads it to the end would wait, as on a terminal).
import { spawn } from 'node:child_process';

export interface ClientRun { readonly code: number | null; readonly stdout: string; readonly stderr: string }

export function runClient(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<ClientRun> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(options.env ? { env: options.env } : {}) });
  if (options.input === undefined) child.stdin.end();
  else child.stdin.write(options.input);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const timer = setTimeout(() => { if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL'); }, 60_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => { clearTimeout(timer); child.stdin.destroy(); resolve({ code, stdout: out, stderr: err }); });
  });
}
