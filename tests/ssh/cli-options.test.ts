// `tessera ssh` options read as ssh(1) 9.2 reads them, with `ssh -G` (the options ssh resolves, then exits) as the
// oracle: the first value obtained wins for -p / -o Port / ssh://host:port, for -l / -o User / user@ (in command-line
// order), and for every -o keyword; algorithm lists take ssh_config(5)'s +, - and ^ forms; values Tessera cannot use
// are refused instead of being dropped (a RekeyLimit time, BatchMode=maybe, an unknown cipher); ~ is expanded in file
// names given to -o, as ssh(1) does. The end-to-end cases run against sshd 9.2.
import { execFileSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveAlgorithmList } from '../../cli/algorithm-list.ts';
import { UsageError } from '../../cli/command.ts';
import { parseSshArgs } from '../../cli/ssh.ts';
import { startTesseraSsh } from '../identity/cli-run.ts';
import { useCliTarget } from './cli-target.ts';

/** `ssh -G ARGS`: the resolved options as a map (first word: keyword, rest: value). */
function sshG(args: readonly string[]): Map<string, string> {
  const text = execFileSync('/usr/bin/ssh', ['-G', '-F', '/dev/null', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return new Map(text.split('\n').filter((l) => l !== '').map((l) => { const at = l.indexOf(' '); return [l.slice(0, at), l.slice(at + 1)]; }));
}

describe('first obtained value wins, as ssh -G shows', () => {
  const cases: string[][] = [
    ['-p', '2222', '-p', '2300', 'host'],
    ['-p', '2222', '-o', 'Port=2300', 'host'],
    ['-o', 'Port=2300', '-p', '2222', 'host'],
    ['-p2222', 'host', '-p', '2300'],
    ['-p', '2222', 'ssh://host:2300'],
    ['ssh://host:2300', '-p', '2222'],
    ['-l', 'alice', 'bob@host'],
    ['bob@host', '-l', 'alice'],
    ['-o', 'User=carol', '-l', 'alice', 'bob@host'],
    ['-l', 'alice', '-o', 'User=carol', 'host'],
    ['ssh://dave@host', '-l', 'alice'],
  ];
  it.each(cases)('%s', (...args) => {
    const theirs = sshG(args);
    const ours = parseSshArgs(args);
    expect({ user: ours.user, port: String(ours.port), host: ours.host }).toEqual({ user: theirs.get('user'), port: theirs.get('port'), host: theirs.get('hostname') });
  });

  it('-o keywords: ConnectTimeout, UserKnownHostsFile, StrictHostKeyChecking, BatchMode, Ciphers', () => {
    const args = ['-o', 'ConnectTimeout=3', '-o', 'ConnectTimeout=5', '-o', 'UserKnownHostsFile=/a', '-o', 'UserKnownHostsFile=/b',
      '-o', 'StrictHostKeyChecking=accept-new', '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'BatchMode=no',
      '-o', 'Ciphers=aes128-ctr', '-o', 'Ciphers=aes256-ctr', 'host'];
    const theirs = sshG(args);
    const ours = parseSshArgs(args);
    expect(theirs.get('connecttimeout')).toBe('3');
    expect(ours.connectTimeoutMs).toBe(3000);
    expect(theirs.get('userknownhostsfile')).toBe('/a');
    expect(ours.knownHostsFile).toBe('/a');
    expect(theirs.get('stricthostkeychecking')).toBe('accept-new');
    expect(ours.strictHostKeyChecking).toBe('accept-new');
    expect(theirs.get('batchmode')).toBe('yes');
    expect(ours.batchMode).toBe(true);
    expect(theirs.get('ciphers')).toBe('aes128-ctr');
    expect(ours.ciphers).toBe('aes128-ctr');
  });

  it('RekeyLimit keeps its time (ssh -G: 1073741824 3600)', () => {
    expect(sshG(['-o', 'RekeyLimit=1G 1h', 'host']).get('rekeylimit')).toBe('1073741824 3600');
    expect(parseSshArgs(['-o', 'RekeyLimit=1G 1h', 'host'])).toMatchObject({ rekeyAfterBytes: 1024 ** 3, rekeyAfterMs: 3_600_000 });
    expect(parseSshArgs(['-o', 'RekeyLimit=default 10m', 'host'])).toMatchObject({ rekeyAfterBytes: undefined, rekeyAfterMs: 600_000 });
    expect(() => parseSshArgs(['-o', 'RekeyLimit=1G soon', 'host'])).toThrow(UsageError);
  });

  it('~ in file names given to -o is the home folder, as ssh(1) expands it', () => {
    expect(sshG(['-o', 'UserKnownHostsFile=~/kh', 'host']).get('userknownhostsfile')).toBe(join(homedir(), 'kh'));
    const a = parseSshArgs(['-o', 'UserKnownHostsFile=~/kh', '-o', 'IdentityFile=~/.ssh/key', '-i~/other', 'host']);
    expect(a.knownHostsFile).toBe(join(homedir(), 'kh'));
    expect(a.identities).toEqual([join(homedir(), '.ssh/key'), join(homedir(), 'other')]);
  });

  it('values ssh(1) refuses are refused, not dropped', () => {
    for (const bad of ['BatchMode=maybe', 'StrictHostKeyChecking=no', 'UserKnownHostsFile=/a /b']) {
      expect(() => parseSshArgs(['-o', bad, 'host'])).toThrow(UsageError);
    }
    expect(parseSshArgs(['-o', 'BatchMode=true', '-o', 'StrictHostKeyChecking=true', 'host'])).toMatchObject({ batchMode: true, strictHostKeyChecking: 'yes' });
  });
});

describe('algorithm lists: +, - and ^ as ssh_config(5); unknown names refused', () => {
  const defaults = ['a-1', 'b-1', 'b-2', 'c-1'];
  const supported = [...defaults, 'd-1'];
  it('resolves each form against the defaults', () => {
    expect(resolveAlgorithmList('Ciphers', 'b-2,a-1', defaults, supported)).toEqual(['b-2', 'a-1']);
    expect(resolveAlgorithmList('Ciphers', '+d-1', defaults, supported)).toEqual([...defaults, 'd-1']);
    expect(resolveAlgorithmList('Ciphers', '-b-*', defaults, supported)).toEqual(['a-1', 'c-1']);
    expect(resolveAlgorithmList('Ciphers', '^c-1', defaults, supported)).toEqual(['c-1', 'a-1', 'b-1', 'b-2']);
  });
  it('refuses what it cannot offer', () => {
    expect(() => resolveAlgorithmList('Ciphers', 'bogus,a-1', defaults, supported)).toThrow(/'bogus' is not supported/);
    expect(() => resolveAlgorithmList('Ciphers', '+ssh-rsa', defaults, supported)).toThrow(UsageError);
    expect(() => resolveAlgorithmList('Ciphers', 'a-*', defaults, supported)).toThrow(UsageError); // wildcards only after -
    expect(() => resolveAlgorithmList('Ciphers', '-*', defaults, supported)).toThrow(/leaves nothing/);
  });
});

describe('against sshd 9.2', () => {
  const t = useCliTarget();
  const run = async (args: readonly string[]) => {
    const cli = startTesseraSsh(args, 60_000);
    cli.child.stdin!.end();
    return cli.done;
  };

  it('-o Ciphers=-chacha20*: the server negotiates what is left, as ssh(1) would', { timeout: 60_000 }, async () => {
    const r = await run(['-v', '-o', 'Ciphers=-chacha20*,aes128-gcm@openssh.com,aes256-gcm@openssh.com', ...t.base, '--', 'echo ok']);
    expect(r.stdout).toBe('ok\n');
    expect(r.stderr).toMatch(/Key exchange done: [^\n]*, aes128-ctr/);
    expect(r.code).toBe(0);
  });

  it('an unknown cipher is refused before connecting, naming it (before: dropped, or a failed handshake)', { timeout: 60_000 }, async () => {
    const r = await run(['-o', 'Ciphers=bogus,aes128-ctr', ...t.base, '--', 'echo ok']);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("Ciphers: 'bogus' is not supported by Tessera");
    const plus = await run(['-o', 'HostKeyAlgorithms=+ssh-rsa', ...t.base, '--', 'echo ok']);
    expect(plus.stderr).toContain("HostKeyAlgorithms: 'ssh-rsa' is not supported by Tessera");
  });

  it('-p after the destination does not replace an earlier -p, as ssh(1)', { timeout: 60_000 }, async () => {
    const r = await run([...t.base, '-p', '1', '--', 'echo ok']);
    expect(r.stdout).toBe('ok\n');
    expect(r.code).toBe(0);
  });
});
