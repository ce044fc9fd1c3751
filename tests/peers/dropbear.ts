// Dropbear (Debian dropbear-bin 2022.83): a second, independent SSH server implementation.
// Dropbear reads authorized keys only from ~user/.ssh/authorized_keys, so each instance writes
// its lines there tagged with its temporary folder's name, under a lock, and removes them when it stops.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PeerStartError, requireExecutable, startPeer, waitForListening } from '../support/index.ts';
import { requireTestAccount, testAccountIds } from './account.ts';
import { makeTempDir, parsePublicLine, removeTempDir, type KeyPair, type KeyType } from './keys.ts';
import { serverHandle, type HostKeyFile, type SshServerPeer } from './server.ts';

export interface DropbearOptions {
  /** Host key types (default ed25519, ecdsa-p256, rsa). */
  readonly hostKeyTypes?: readonly KeyType[];
  readonly authorizedKeys?: readonly string[];
  /** Extra command-line arguments, e.g. ['-W', '1048576']. */
  readonly args?: readonly string[];
}

const DROPBEAR = '/usr/sbin/dropbear';
const DROPBEARKEY = '/usr/bin/dropbearkey';

function dropbearKeyArgs(type: KeyType): string[] {
  switch (type) {
    case 'ed25519': return ['-t', 'ed25519'];
    case 'ecdsa-p256': return ['-t', 'ecdsa', '-s', '256'];
    case 'ecdsa-p384': return ['-t', 'ecdsa', '-s', '384'];
    case 'ecdsa-p521': return ['-t', 'ecdsa', '-s', '521'];
    case 'rsa': return ['-t', 'rsa', '-s', '2048'];
  }
}

function dropbearHostKey(dir: string, type: KeyType): KeyPair {
  const privatePath = join(dir, `host_${type}`);
  execFileSync(DROPBEARKEY, [...dropbearKeyArgs(type), '-f', privatePath], { stdio: 'ignore' });
  const out = execFileSync(DROPBEARKEY, ['-y', '-f', privatePath], { encoding: 'utf8' });
  const publicLine = out.split('\n').find((l) => /^(ssh-|ecdsa-)/.test(l));
  if (!publicLine) throw new Error(`dropbearkey -y printed no public key:\n${out}`);
  const publicPath = `${privatePath}.pub`;
  writeFileSync(publicPath, `${publicLine}\n`);
  const { algorithm, blob } = parsePublicLine(publicLine);
  return { type, privatePath, publicPath, publicLine, algorithm, blob, passphrase: undefined };
}

/** Runs `fn` holding a cross-process lock (mkdir is atomic). */
function withLock<T>(lockDir: string, fn: () => T): T {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try { mkdirSync(lockDir); break; } catch {
      if (Date.now() > deadline) throw new Error(`could not take the lock ${lockDir} within 10 s`);
      execFileSync('sleep', ['0.02']);
    }
  }
  try { return fn(); } finally { rmdirSync(lockDir); }
}

export async function startDropbear(options: DropbearOptions = {}): Promise<SshServerPeer> {
  const binary = requireExecutable(DROPBEAR, 'Debian dropbear-bin');
  requireExecutable(DROPBEARKEY, 'Debian dropbear-bin');
  const account = requireTestAccount();
  const { uid, gid } = testAccountIds();
  const dir = makeTempDir('tessera-dropbear-');
  const tag = basename(dir); // unique while the folder exists
  const sshDir = join(account.home, '.ssh');
  const authorizedKeysPath = join(sshDir, 'authorized_keys');
  const lockDir = join(account.home, '.tessera-authorized-keys.lock');

  const setAuthorizedKeys = (lines: readonly string[]) => withLock(lockDir, () => {
    if (!existsSync(sshDir)) { mkdirSync(sshDir, { mode: 0o700 }); chownSync(sshDir, uid, gid); }
    const kept = existsSync(authorizedKeysPath)
      ? readFileSync(authorizedKeysPath, 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.endsWith(` ${tag}`))
      : [];
    const ours = lines.map((l) => { const [a, b] = l.trim().split(/\s+/); return `${a} ${b} ${tag}`; });
    writeFileSync(authorizedKeysPath, [...kept, ...ours].map((l) => `${l}\n`).join(''), { mode: 0o600 });
    chownSync(authorizedKeysPath, uid, gid);
  });

  try {
    const hostKeys: HostKeyFile[] = (options.hostKeyTypes ?? ['ed25519', 'ecdsa-p256', 'rsa'])
      .map((type) => ({ key: dropbearHostKey(dir, type), certificate: undefined }));
    setAuthorizedKeys(options.authorizedKeys ?? []);
    // Port 0: the kernel gives dropbear a free port as it binds (svr-main.c listensockets, getaddrinfo with "0"), so no
    // port drawn beforehand can be taken meanwhile; which one it got is read from its own listening socket.
    const args = ['-F', '-E', '-m', '-p', '127.0.0.1:0', '-P', join(dir, 'dropbear.pid'), ...hostKeys.flatMap(({ key }) => ['-r', key.privatePath]), ...(options.args ?? [])];
    const peer = startPeer(binary, args);
    let port: number;
    try {
      // Dropbear exits at once on a bad option ("Early exit: ..."): waitForListening fails then, with its output.
      const ports = await waitForListening(peer, { timeoutMs: 15_000 });
      if (ports.length !== 1 || ports[0] === undefined) throw new PeerStartError(`dropbear listens on ports ${ports.join(', ')}, not on one`);
      port = ports[0];
    } catch (err) {
      await peer.stop();
      throw new PeerStartError(`dropbear did not start: ${(err as Error).message}`, { cause: err });
    }
    const printed = spawnSync(binary, ['-V'], { encoding: 'utf8' });
    const version = /v(\d{4}\.\d+)/.exec(`${printed.stdout}${printed.stderr}`)?.[1] ?? 'unknown';
    return serverHandle({
      kind: 'dropbear', version: version, port, peer, account: account, hostKeys, hostCa: undefined,
      setAuthorizedKeys, cleanUp: () => { setAuthorizedKeys([]); removeTempDir(dir); },
    });
  } catch (err) {
    setAuthorizedKeys([]);
    removeTempDir(dir);
    throw err;
  }
}
