// ssh(1) 9.2's one-letter options in `tessera ssh`: -c and -m (ciphers, MACs), -4 and -6 (address family, also
// -o AddressFamily), -x -a -k (turn off X11 and agent forwarding and GSSAPI delegation, which Tessera never does) work
// as in ssh(1) against sshd 9.2; the options Tessera does not have are refused naming what they do. Before, each of
// these letters was "unknown option".
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/command.ts';
import { parseSshArgs } from '../../cli/ssh.ts';
import { repoRoot } from '../peers/index.ts';
import { useCliTarget } from './cli-target.ts';
import { runClient } from './run-client.ts';


describe('one-letter options', () => {
  const t = useCliTarget();
  const tessera = (args: readonly string[]) => runClient(process.execPath, [join(repoRoot, 'cli', 'tessera.js'), 'ssh', ...args, '--', 'echo ok']);
  const openssh = (args: readonly string[], knownHosts: string) => runClient('/usr/bin/ssh', ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-i', t.key.privatePath, ...args, 'echo ok']);

  it('-c and -m choose the cipher and MAC; -x -a -k are accepted', { timeout: 60_000 }, async () => {
    const r = await tessera(['-xak', '-v', '-c', 'aes256-ctr', '-m', 'hmac-sha2-512', ...t.base]);
    expect(r.stderr).toContain(', aes256-ctr + hmac-sha2-512');
    expect(r.stdout).toBe('ok\n');
    expect(r.code).toBe(0);
  });

  it('-4 and -6 with a name: the family decides whether sshd (127.0.0.1 only) is reached, as with ssh(1)', { timeout: 120_000 }, async () => {
    const knownHosts = join(t.dir, 'known_hosts_localhost');
    writeFileSync(knownHosts, readFileSync(t.knownHosts, 'utf8').replaceAll('[127.0.0.1]', '[localhost]'));
    const dest = ['-p', String(t.sshd.port), `${t.sshd.user}@localhost`];
    const ours = (flag: string) => tessera([flag, '--known-hosts', knownHosts, '-i', t.key.privatePath, ...dest]);
    expect(await openssh(['-4', ...dest], knownHosts)).toMatchObject({ code: 0, stdout: 'ok\n' });
    expect(await ours('-4')).toMatchObject({ code: 0, stdout: 'ok\n' });
    expect(await openssh(['-6', ...dest], knownHosts)).toMatchObject({ code: 255, stdout: '' });
    expect(await ours('-6')).toMatchObject({ code: 255, stdout: '' });
    // An IPv4 address with -6 is refused before connecting (a literal is not looked up, so the family would not apply).
    const literal = await tessera(['-6', ...t.base]);
    expect(literal.stderr).toContain('127.0.0.1 is not an IPv6 address');
    expect(literal.code).toBe(255);
  });

  it('AddressFamily, and options Tessera does not have refused naming what they do', () => {
    expect(parseSshArgs(['-o', 'AddressFamily=inet6', 'host']).addressFamily).toBe(6);
    expect(parseSshArgs(['-6', '-4', 'host']).addressFamily).toBe(4);
    expect(() => parseSshArgs(['-o', 'AddressFamily=ipx', 'host'])).toThrow(UsageError);
    expect(() => parseSshArgs(['-L', '8080:localhost:80', 'host'])).toThrow('-L (local port forwarding) is not supported by tessera ssh');
    expect(() => parseSshArgs(['-vN', 'host'])).toThrow('-N (no command, for forwarding) is not supported by tessera ssh');
    expect(() => parseSshArgs(['-4', '--relay', 'ws://relay/', 'host'])).toThrow(/with --relay/);
  });
});
