// Authentication options and the ssh_config settings scripts pass to ssh(1), in `tessera ssh`, against sshd 9.2 and
// /usr/bin/ssh 9.2: PubkeyAuthentication=no and PreferredAuthentications leave the key unused (both clients fail with
// 255), -F /dev/null, GlobalKnownHostsFile=/dev/null and IdentitiesOnly=yes say what Tessera does anyway (no
// ssh_config, no global known_hosts, no agent) and are accepted, other values of them refused. Before, all were refused
// as unknown, so a script written for ssh(1) did not run.
// Also pinned here (a trust decision, unchanged): a host known only with a key of another type is refused with
// --accept-new, and known_hosts is left alone, as ssh(1) 9.2 refuses it (it reports a changed key).
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/command.ts';
import { parseSshArgs } from '../../cli/ssh.ts';
import { repoRoot } from '../peers/index.ts';
import { useCliTarget } from './cli-target.ts';
import { runClient } from './run-client.ts';


describe('authentication options and ssh_config settings', () => {
  const t = useCliTarget();
  const tessera = (flags: readonly string[], base = t.base) => runClient(process.execPath, [join(repoRoot, 'cli', 'tessera.js'), 'ssh', ...flags, ...base, '--', 'echo ok']);
  const openssh = (flags: readonly string[], knownHosts = t.knownHosts) => runClient('/usr/bin/ssh', ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-i', t.key.privatePath, '-p', String(t.sshd.port), ...flags,
    `${t.sshd.user}@127.0.0.1`, 'echo ok']);

  it.each([[['-o', 'PubkeyAuthentication=no']], [['-o', 'PreferredAuthentications=password,keyboard-interactive']]])('%s: the key is not offered, as ssh(1)', { timeout: 120_000 }, async (flags) => {
    const theirs = await openssh(flags);
    expect(theirs.code).toBe(255);
    expect(theirs.stderr).toContain('Permission denied');
    const ours = await tessera(flags);
    expect(ours.stdout).toBe('');
    expect(ours.code).toBe(255);
  });

  it('PreferredAuthentications naming publickey, and the settings that say what Tessera does anyway, sign in', { timeout: 120_000 }, async () => {
    const flags = ['-F', '/dev/null', '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'IdentitiesOnly=yes', '-o', 'PreferredAuthentications=password,publickey'];
    expect(await openssh(flags)).toMatchObject({ code: 0, stdout: 'ok\n' });
    expect(await tessera(flags)).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
  });

  it('PreferredAuthentications without publickey: no key is read, so no passphrase is asked (a terminal via script(1))', { timeout: 60_000 }, async () => {
    const key = join(t.dir, 'encrypted_key');
    execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret passphrase', '-f', key]);
    const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
    const cli = [process.execPath, join(repoRoot, 'cli', 'tessera.js'), 'ssh', '-o', 'PreferredAuthentications=password', '-i', key, ...t.base.slice(0, 2), ...t.base.slice(4)]
      .map(quote).join(' ');
    const child = spawn('/usr/bin/script', ['-qec', `${cli} -- true`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.on('error', () => undefined);
    let out = '';
    const timer = setTimeout(() => { if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL'); }, 40_000);
    const closed = new Promise((resolve) => child.once('close', resolve));
    const prompt = await new Promise<string>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /Enter passphrase|password: /.exec(out);
        if (m) resolve(m[0]);
      });
      void closed.then(() => resolve(`ended without a prompt: ${out}`));
    });
    child.stdin.write('\x03'); // Ctrl+C cancels the prompt
    await closed;
    clearTimeout(timer);
    expect(prompt).toBe('password: ');
  });

  it('values Tessera cannot honour are refused, naming what to do', () => {
    // -F FILE is read since ssh_config support (tests/ssh/cli-config.test.ts); a missing one is refused, as ssh(1) does.
    expect(() => parseSshArgs(['-F', '/nonexistent/ssh_config', 'host'])).toThrow(/\/nonexistent\/ssh_config: cannot open it/);
    expect(() => parseSshArgs(['-o', 'GlobalKnownHostsFile=/etc/ssh/ssh_known_hosts', 'host'])).toThrow(/--known-hosts/);
    expect(() => parseSshArgs(['-o', 'IdentitiesOnly=no', 'host'])).toThrow(/no ssh-agent/);
    expect(() => parseSshArgs(['-o', 'PasswordAuthentication=maybe', 'host'])).toThrow(UsageError);
    expect(() => parseSshArgs(['-o', 'PreferredAuthentications=publickey,magic', 'host'])).toThrow(/'magic'/);
    expect(parseSshArgs(['-o', 'PubkeyAuthentication=no', '-o', 'PubkeyAuthentication=yes', 'host']).auth.publickey).toBe(false);
  });

  it('--accept-new refuses a host known only with another key type, as ssh(1) 9.2 with accept-new', { timeout: 120_000 }, async () => {
    const ecdsa = readFileSync(t.knownHosts, 'utf8').split('\n').filter((l) => l.includes(' ecdsa-sha2-nistp256 ')).join('\n');
    expect(ecdsa).not.toBe('');
    const knownHosts = join(t.dir, 'known_hosts_ecdsa_only');
    writeFileSync(knownHosts, `${ecdsa}\n`);
    const theirs = await openssh(['-o', 'StrictHostKeyChecking=accept-new', '-o', 'HostKeyAlgorithms=ssh-ed25519'], knownHosts);
    expect(theirs.code).toBe(255);
    expect(theirs.stderr).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    expect(readFileSync(knownHosts, 'utf8')).toBe(`${ecdsa}\n`);
    const ours = await tessera(['--accept-new', '-o', 'HostKeyAlgorithms=ssh-ed25519'], ['--known-hosts', knownHosts, ...t.base.slice(2)]);
    expect(ours.code).toBe(255);
    expect(ours.stderr).toContain('is known with ecdsa-sha2-nistp256 keys, but presented a ssh-ed25519 key');
    expect(readFileSync(knownHosts, 'utf8')).toBe(`${ecdsa}\n`);
  });
});
