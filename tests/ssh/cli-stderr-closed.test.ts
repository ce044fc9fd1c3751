// The reader of `tessera ssh`'s stderr goes away (EPIPE: `2>&1 | head -1`, a log pipe closed): its own messages are
// then lost, but the session goes on and the exit status is the remote command's, as with ssh(1), which ignores
// SIGPIPE and failed writes of its messages. Before, Node threw the stream's EPIPE: exit 1, the command not run.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliTarget } from './cli-target.ts';
import { repoRoot } from '../peers/index.ts';

describe('tessera ssh: stderr closed early', () => {
  const target = useCliTarget();

  /** Runs tessera with its stderr's reader closed at once; resolves with stdout and the exit status. */
  const withStderrClosed = (args: readonly string[]) => new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'cli', 'tessera.js'), 'ssh', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr.destroy();
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('close', (code) => { clearTimeout(timer); resolve({ code, stdout }); });
  });

  it('-v (messages from the start): the command runs and its status is kept', { timeout: 60_000 }, async () => {
    const run = await withStderrClosed(['-v', ...target.base, '--', 'sleep 1; echo out; exit 3']);
    expect(run.stdout).toBe('out\n');
    expect(run.code).toBe(3);
  });

  it('a message at the end ("killed by signal TERM"): still 128 + 15', { timeout: 60_000 }, async () => {
    const run = await withStderrClosed([...target.base, '--', 'echo out; kill -TERM $$']);
    expect(run.stdout).toBe('out\n');
    expect(run.code).toBe(143);
  });

  it('a connection error with stderr a closed pipe (bash): 255, not 1', { timeout: 60_000 }, async () => {
    const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
    const cli = [process.execPath, join(repoRoot, 'cli', 'tessera.js'), 'ssh', '-p', '1', '127.0.0.1', 'true'].map(quote).join(' ');
    const run = spawnSync('/bin/bash', ['-c', `${cli} 2>&1 >/dev/null | (exec 0<&-; sleep 2); echo "status \${PIPESTATUS[0]}"`], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stdout).toBe('status 255\n');
  });
});
