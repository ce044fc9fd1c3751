// `tessera ssh --accept-new` adding to a known_hosts file: the new line must never be glued to the last one.
// A file whose last line has no newline (written by hand or by another tool) is first given one, as OpenSSH does
// (hostfile.c add_host_to_hostfile: "Make sure we have a terminating newline"). ssh-keygen -F reads the result.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, makeTempDir, removeTempDir, runOpenSsh, startSshd, type KeyPair, type SshServerPeer } from '../peers/index.ts';
import { runTesseraSsh } from '../identity/cli-run.ts';

/** ssh-keygen -F NAME -f FILE: the lines OpenSSH finds for NAME (without its "# Host ... found" comments). */
function openSshLookup(file: string, name: string): string[] {
  try {
    return execFileSync('/usr/bin/ssh-keygen', ['-F', name, '-f', file], { encoding: 'utf8' }).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  } catch {
    return []; // exit 1: not found
  }
}

describe('tessera ssh --accept-new: known_hosts file', () => {
  let dir: string;
  let key: KeyPair;
  let other: KeyPair;
  let sshd: SshServerPeer;
  beforeAll(async () => {
    dir = makeTempDir();
    key = generateKey(dir, 'user', 'ed25519');
    other = generateKey(dir, 'other', 'ed25519');
    sshd = await startSshd({ authorizedKeys: [key.publicLine] });
  });
  afterAll(async () => {
    await sshd?.stop();
    removeTempDir(dir);
  });

  it('a last line without a newline stays intact, and the new host is a line of its own', { timeout: 60_000 }, async () => {
    const [algo, b64] = other.publicLine.split(' ');
    const existing = `otherhost ${algo} ${b64}`;
    const kh = join(dir, 'known_hosts_no_newline');
    writeFileSync(kh, existing); // no trailing newline
    const args = ['--known-hosts', kh, '-i', key.privatePath, '-p', String(sshd.port), `${sshd.user}@127.0.0.1`, '--', 'echo in'];
    const first = await runTesseraSsh(['--accept-new', ...args]);
    expect(first.code).toBe(0);
    const lines = readFileSync(kh, 'utf8').split('\n');
    expect(lines[0]).toBe(existing);
    expect(lines[1]).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} ssh-`));
    expect(lines.slice(2)).toEqual(['']);
    // OpenSSH reads both entries.
    expect(openSshLookup(kh, 'otherhost')).toEqual([existing]);
    expect(openSshLookup(kh, `[127.0.0.1]:${sshd.port}`)).toEqual([lines[1]]);
    // And so does Tessera: the host is now known.
    const second = await runTesseraSsh(args);
    expect(second.stdout).toBe('in\n');
    expect(second.code).toBe(0);
  });

  it('a known_hosts that cannot be written: the host is accepted for this connection with a warning, as ssh(1)', { timeout: 60_000 }, async () => {
    const blocker = join(dir, 'not-a-directory');
    writeFileSync(blocker, '');
    const kh = join(blocker, 'known_hosts'); // its parent is a file: ENOTDIR
    const openssh = await runOpenSsh(sshd, { identity: key.privatePath, command: 'echo in', options: { StrictHostKeyChecking: 'accept-new', UserKnownHostsFile: kh, LogLevel: 'INFO' } });
    expect(openssh.stdout.toString()).toBe('in\n');
    expect(openssh.stderr).toContain('Failed to add the host to the list of known hosts');
    const run = await runTesseraSsh(['--accept-new', '--known-hosts', kh, '-i', key.privatePath, '-p', String(sshd.port), `${sshd.user}@127.0.0.1`, '--', 'echo in']);
    expect(run.stderr).toContain(`Failed to add the host to the list of known hosts (${kh}): `);
    expect(run.stderr).not.toContain('Permanently added');
    expect(run.stdout).toBe('in\n');
    expect(run.code).toBe(0);
  });
});
