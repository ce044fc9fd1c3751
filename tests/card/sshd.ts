// A throwaway OpenSSH sshd on a free loopback port with a temporary config and host
// key, for the ssh -I fidelity test (a general harness lives in tests/peers).
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { freePort, requireExecutable, startPeer, type Peer } from '../support/index.ts';

export interface TestSshd {
  readonly port: number;
  readonly user: string;
  readonly dir: string;
  readonly peer: Peer;
  stop(): Promise<void>;
}

export async function startSshd(authorizedKeys: string): Promise<TestSshd> {
  const sshd = requireExecutable('/usr/sbin/sshd', 'Debian package openssh-server');
  requireExecutable('/usr/bin/ssh-keygen', 'Debian package openssh-client');
  const dir = mkdtempSync(join(tmpdir(), 'tessera-card-sshd-'));
  mkdirSync('/run/sshd', { recursive: true });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_ed25519')]);
  writeFileSync(join(dir, 'authorized_keys'), authorizedKeys);
  const port = await freePort();
  writeFileSync(join(dir, 'sshd_config'), [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_ed25519')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'StrictModes no', 'UsePAM no',
    'PermitRootLogin prohibit-password', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes', 'PidFile none', 'LogLevel VERBOSE', '',
  ].join('\n'));
  const peer = startPeer(sshd, ['-D', '-e', '-f', join(dir, 'sshd_config')]);
  await peer.waitForOutput(/Server listening on 127\.0\.0\.1 port/, 10_000);
  return {
    port, dir, peer, user: userInfo().username,
    async stop() { await peer.stop(); rmSync(dir, { recursive: true, force: true }); },
  };
}
