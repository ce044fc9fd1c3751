// SIGINT, SIGTERM and SIGHUP to `tessera ssh` during a session, as to ssh(1) 9.2 on the same sshd: the client ends the
// connection and exits 255 (clientloop.c signal_handler, then cleanup_exit(255)), "Killed by signal N." only with -v,
// the terminal given back. Before, Node's default ended the process by the signal (status 128+n in a shell: 143 for
// SIGTERM), without a word to the server and, with a pty, without leaving raw mode itself.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../peers/index.ts';
import { useCliTarget } from './cli-target.ts';

/** Starts a client, sends `signal` once its remote command printed "started", and reports how it ended. */
function signalled(command: string, args: readonly string[], signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let sent = false;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (!sent && out.includes('started')) { sent = true; child.kill(signal); }
  });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const timer = setTimeout(() => { if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL'); }, 60_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, sig) => { clearTimeout(timer); resolve({ code, signal: sig, stderr: err }); });
  });
}

describe('signals to the client', () => {
  const t = useCliTarget();
  const remote = 'echo started; sleep 120';
  const tessera = (flags: readonly string[]) => [join(repoRoot, 'cli', 'tessera.js'), 'ssh', ...flags, ...t.base, '--', remote];
  const openssh = (flags: readonly string[]) => ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${t.knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-i', t.key.privatePath, '-p', String(t.sshd.port), ...flags, `${t.sshd.user}@127.0.0.1`, remote];

  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('%s: exit 255, as ssh(1)', { timeout: 120_000 }, async (signal) => {
    const theirs = await signalled('/usr/bin/ssh', openssh([]), signal);
    expect(theirs).toMatchObject({ code: 255, signal: null });
    const ours = await signalled(process.execPath, tessera([]), signal);
    expect(ours).toMatchObject({ code: 255, signal: null });
    expect(ours.stderr).toBe('');
  });

  it('-v says which signal; with a pty there is no "Connection closed" line, as ssh(1)', { timeout: 120_000 }, async () => {
    const theirs = await signalled('/usr/bin/ssh', openssh(['-v', '-tt']), 'SIGTERM');
    expect(theirs.stderr).toContain('Killed by signal 15.');
    expect(theirs.stderr).not.toContain('Connection to 127.0.0.1 closed.');
    expect(theirs.code).toBe(255);
    const ours = await signalled(process.execPath, tessera(['-v', '-tt']), 'SIGTERM');
    expect(ours.stderr).toContain('Killed by signal 15.');
    expect(ours.stderr).not.toContain('Connection to 127.0.0.1 closed.');
    expect(ours.code).toBe(255);
  });
});
