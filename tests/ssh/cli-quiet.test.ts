// -q and -o LogLevel in `tessera ssh`, as ssh(1) 9.2 on the same sshd: -q (LogLevel QUIET) prints nothing of the
// client's own, not even why it failed (exit 255 says it); LogLevel=ERROR hides the notes ssh(1) logs at INFO
// ("Warning: Permanently added", "Pseudo-terminal will not be allocated") and keeps errors. Before, -q and LogLevel
// were refused as unknown, so scripts written for ssh(1) (`ssh -q`, `-o LogLevel=ERROR`) did not run at all.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSshArgs } from '../../cli/ssh.ts';
import { UsageError } from '../../cli/command.ts';
import { repoRoot } from '../peers/index.ts';
import { useCliTarget } from './cli-target.ts';
import { runClient } from './run-client.ts';


describe('-q and LogLevel', () => {
  const t = useCliTarget();
  const dest = () => [`${t.sshd.user}@127.0.0.1`];
  const tessera = (knownHosts: string, flags: readonly string[]) => runClient(process.execPath,
    [join(repoRoot, 'cli', 'tessera.js'), 'ssh', '--known-hosts', knownHosts, '-i', t.key.privatePath, '-p', String(t.sshd.port), ...flags, ...dest(), '--', 'echo ok']);
  const openssh = (knownHosts: string, flags: readonly string[]) => runClient('/usr/bin/ssh', ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-i', t.key.privatePath, '-p', String(t.sshd.port), ...flags, ...dest(), 'echo ok']);
  /** A known_hosts path that does not exist yet. */
  const fresh = (name: string) => { const p = join(t.dir, name); if (existsSync(p)) rmSync(p); return p; };

  it('-q: a host added with accept-new, and -t without a terminal, say nothing', { timeout: 120_000 }, async () => {
    for (const [client, flags] of [[openssh, ['-o', 'StrictHostKeyChecking=accept-new']], [tessera, ['--accept-new']]] as const) {
      const r = await client(fresh('kh_q'), ['-q', '-t', ...flags]);
      expect(r).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
    }
    const loud = await tessera(fresh('kh_loud'), ['-t', '--accept-new']);
    expect(loud.stderr).toContain('Pseudo-terminal will not be allocated');
    expect(loud.stderr).toContain('Warning: Permanently added');
  });

  it('-q: an unknown host fails with 255 and no message', { timeout: 120_000 }, async () => {
    for (const client of [openssh, tessera]) {
      const r = await client(fresh('kh_none'), ['-q']);
      expect(r).toEqual({ code: 255, stdout: '', stderr: '' });
    }
  });

  it('LogLevel=ERROR: the INFO notes go, the errors stay', { timeout: 120_000 }, async () => {
    const theirs = await openssh(fresh('kh_err'), ['-o', 'LogLevel=ERROR', '-o', 'StrictHostKeyChecking=accept-new', '-t']);
    expect(theirs).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
    const ours = await tessera(fresh('kh_err'), ['-o', 'LogLevel=ERROR', '--accept-new', '-t']);
    expect(ours).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
    const unknown = await tessera(fresh('kh_err2'), ['-o', 'LogLevel=ERROR']);
    expect(unknown.stderr).toContain('[HOST_KEY_UNKNOWN]');
    expect(unknown.code).toBe(255);
    // ssh(1) too prints this error at LogLevel=ERROR.
    const known = await openssh(fresh('kh_err3'), ['-o', 'LogLevel=ERROR']);
    expect(known.stderr).toContain('Host key verification failed.');
  });

  it('-q and -v override LogLevel whatever the order; the last of -q and -v wins (ssh -G)', () => {
    const g = (args: string[]) => execFileSync('/usr/bin/ssh', ['-G', '-F', '/dev/null', ...args, 'host'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).match(/^loglevel (\S+)$/m)?.[1];
    expect(g(['-o', 'LogLevel=DEBUG', '-q'])).toBe('SILENT'); // ssh -G's name for QUIET
    expect(parseSshArgs(['-o', 'LogLevel=DEBUG', '-q', 'host'])).toMatchObject({ logLevel: 'quiet', verbose: false });
    expect(g(['-q', '-o', 'LogLevel=INFO'])).toBe('SILENT'); // ssh -G's name for QUIET
    expect(parseSshArgs(['-q', '-o', 'LogLevel=INFO', 'host'])).toMatchObject({ logLevel: 'quiet', verbose: false });
    expect(g(['-o', 'LogLevel=ERROR', '-o', 'LogLevel=INFO'])).toBe('ERROR');
    expect(parseSshArgs(['-o', 'LogLevel=ERROR', '-o', 'LogLevel=INFO', 'host'])).toMatchObject({ logLevel: 'error' });
    expect(parseSshArgs(['-qv', 'host'])).toMatchObject({ logLevel: 'info', verbose: true });
    expect(() => parseSshArgs(['-o', 'LogLevel=LOUD', 'host'])).toThrow(UsageError);
  });
});
