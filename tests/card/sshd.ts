// A throwaway OpenSSH sshd on a free loopback port with a temporary config and host
// key, for the ssh -I fidelity test (a general harness lives in tests/peers).
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { requireExecutable, startOnFreePort, startPeer, type Peer } from '../support/index.ts';
import { SSHD_PORT_TAKEN } from '../peers/index.ts';

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
  const config = (port: number) => [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_ed25519')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'StrictModes no', 'UsePAM no',
    'PermitRootLogin prohibit-password', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes', 'PidFile none', 'LogLevel VERBOSE', '',
  ].join('\n');
  // Started again on another port if the one drawn is taken before sshd binds it (tests/peers/sshd.ts).
  const { peer, port } = await startOnFreePort({
    name: 'sshd', portTaken: SSHD_PORT_TAKEN,
    start(port) {
      writeFileSync(join(dir, 'sshd_config'), config(port));
      return startPeer(sshd, ['-D', '-e', '-f', join(dir, 'sshd_config')]);
    },
  });
  return {
    port, dir, peer, user: userInfo().username,
    async stop() { await peer.stop(); rmSync(dir, { recursive: true, force: true }); },
  };
}
