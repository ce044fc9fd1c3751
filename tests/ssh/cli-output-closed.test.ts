// `tessera ssh HOST yes | head -1`: when the local reader of stdout goes away (EPIPE), the client tells the server
// with eow@openssh.com, as OpenSSH's client does (PROTOCOL §2.1; nchan.c chan_write_failed), and sshd closes the
// command's stdout, so a command that writes forever gets SIGPIPE and ends. Before, its output was read and dropped
// and `yes | head -1` never finished. The end is quiet: no stack trace, no "killed by signal" line.
import { describe, expect, it } from 'vitest';
import { useCliTarget } from './cli-target.ts';
import { startTesseraSsh } from '../identity/cli-run.ts';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../peers/index.ts';

describe('tessera ssh: stdout closed early', () => {
  const target = useCliTarget();

  it('`yes` whose reader went away ends with SIGPIPE (141), quietly, instead of running forever', { timeout: 60_000 }, async () => {
    const run = startTesseraSsh([...target.base, '--', 'yes'], 30_000);
    run.child.stdin!.end();
    let first = '';
    run.child.stdout!.once('data', (d: Buffer) => { first = d.toString(); run.child.stdout!.destroy(); }); // `| head -1`
    const { code, stderr } = await run.done;
    expect(first).toMatch(/^y\n/);
    expect(code).toBe(128 + 13);
    expect(stderr).toBe('');
  });

  it('in a shell pipeline, `tessera ssh HOST yes | head -1` (stdout a pipe: the thread-pool writer) ends quietly', { timeout: 60_000 }, async () => {
    const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
    const cli = [process.execPath, join(repoRoot, 'cli', 'tessera.js'), 'ssh', ...target.base, '--', 'yes'].map(quote).join(' ');
    const run = spawnSync('/bin/bash', ['-c', `${cli} </dev/null | head -1; echo "status \${PIPESTATUS[0]}"`], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stdout).toBe('y\nstatus 141\n');
    expect(run.stderr).toBe('');
  });

  it('a command that stops writing and exits on its own keeps its status', { timeout: 60_000 }, async () => {
    const run = startTesseraSsh([...target.base, '--', 'seq 100000; exit 5'], 30_000);
    run.child.stdin!.end();
    run.child.stdout!.once('data', () => run.child.stdout!.destroy());
    const { code, stderr } = await run.done;
    // seq is stopped by SIGPIPE (eow) or ends; the shell goes on either way. (Nothing is written to stderr here:
    // sshd's chan_rcvd_eow closes the command's stderr with its stdout, so whether a later `echo >&2` arrives
    // depends on when the eow lands.)
    expect(code).toBe(5);
    expect(stderr).toBe('');
  });
});
