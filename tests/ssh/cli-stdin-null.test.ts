// -n (and -o StdinNull=yes) and -o RequestTTY in `tessera ssh`, as ssh(1) 9.2: with -n stdin is not read, so a
// `while read host; do ssh -n "$host" cmd; done < list` loop keeps its lines, and the remote command sees its end of
// input at once. RequestTTY is -t/-T in ssh_config(5) form; -t and -T override it, and a -t after "yes" forces (ssh.c,
// checked with ssh -G). Before, -n, StdinNull and RequestTTY were refused as unknown.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSshArgs } from '../../cli/ssh.ts';
import { repoRoot } from '../peers/index.ts';
import { useCliTarget } from './cli-target.ts';
import { runClient } from './run-client.ts';


describe('-n and StdinNull', () => {
  const t = useCliTarget();
  const remote = 'wc -c; tty; exit 3';
  const tessera = (flags: readonly string[], command = remote) => [join(repoRoot, 'cli', 'tessera.js'), 'ssh', ...flags, ...t.base, '--', command];
  const openssh = (flags: readonly string[]) => ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${t.knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-i', t.key.privatePath, '-p', String(t.sshd.port), ...flags, `${t.sshd.user}@127.0.0.1`, remote];

  it.each([[['-n']], [['-o', 'StdinNull=yes']], [['-n', '-t']]])('%s: nothing of stdin is read, the command ends at once, as ssh(1)', { timeout: 120_000 }, async (flags) => {
    const theirs = await runClient('/usr/bin/ssh', openssh(flags), { input: 'a line the loop still needs\n' });
    expect(theirs.stdout).toBe('0\nnot a tty\n');
    expect(theirs.code).toBe(3);
    const ours = await runClient(process.execPath, tessera(flags), { input: 'a line the loop still needs\n' });
    expect(ours.stdout).toBe('0\nnot a tty\n');
    expect(ours.code).toBe(3);
  });

  it('-o RequestTTY=force gives a pty with stdin a pipe, as -tt', { timeout: 120_000 }, async () => {
    // Not `wc -c`: the end of input does not reach a command on a pty (ssh -n -tt waits there too).
    const ours = await runClient(process.execPath, tessera(['-n', '-o', 'RequestTTY=force'], 'tty; exit 3'), { input: '' });
    expect(ours.stdout).toMatch(/^\/dev\/pts\/\d+\r\n$/);
    expect(ours.code).toBe(3);
  });

  it('RequestTTY against -t and -T, as ssh -G resolves them', () => {
    const mapping: Record<string, string> = { auto: 'auto', request: 'true', force: 'force', never: 'false' };
    for (const args of [['-t'], ['-t', '-t'], ['-t', '-t', '-t'], ['-o', 'RequestTTY=no', '-t'], ['-t', '-o', 'RequestTTY=no'], ['-o', 'RequestTTY=yes', '-t'],
      ['-o', 'RequestTTY=force', '-t'], ['-T', '-t'], ['-o', 'RequestTTY=force'], ['-o', 'RequestTTY=no']]) {
      const theirs = execFileSync('/usr/bin/ssh', ['-G', '-F', '/dev/null', ...args, 'host'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).match(/^requesttty (\S+)$/m)?.[1];
      expect({ args, pty: mapping[parseSshArgs([...args, 'host']).pty] }).toEqual({ args, pty: theirs });
    }
  });
});
