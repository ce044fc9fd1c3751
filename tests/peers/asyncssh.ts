// AsyncSSH (Debian python3-asyncssh 2.10.1): the RFC 6187 X.509 peer of later issues. For now it
// starts with temporary host keys and accepts publickey and password logins. Runs with
// /usr/bin/python3, never a python3 found on PATH (which may lack Debian's asyncssh).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireExecutable, startPeer } from '../support/index.ts';
import { TEST_ACCOUNT } from './account.ts';
import { generateKey, makeTempDir, removeTempDir, type KeyType } from './keys.ts';
import { repoRoot } from './repo.ts';
import { serverHandle, type HostKeyFile, type SshServerPeer } from './server.ts';

export interface AsyncSshOptions {
  readonly hostKeyTypes?: readonly KeyType[];
  readonly authorizedKeys?: readonly string[];
  /** Sign-in by keyboard-interactive only: the password and this one-time code, in one round (asyncssh_server.py). */
  readonly otp?: string;
}

const PYTHON = '/usr/bin/python3';

export async function startAsyncSsh(options: AsyncSshOptions = {}): Promise<SshServerPeer> {
  requireExecutable(PYTHON, 'Debian python3');
  requireExecutable('/usr/lib/python3/dist-packages/asyncssh/__init__.py', 'Debian python3-asyncssh');
  const script = join(repoRoot, 'tests', 'peers', 'asyncssh_server.py');
  const dir = makeTempDir('tessera-asyncssh-');
  try {
    const hostKeys: HostKeyFile[] = (options.hostKeyTypes ?? ['ed25519', 'ecdsa-p256', 'rsa'])
      .map((type) => ({ key: generateKey(dir, `host_${type}`, type), certificate: undefined }));
    const authorizedKeysPath = join(dir, 'authorized_keys');
    const setAuthorizedKeys = (lines: readonly string[]) => writeFileSync(authorizedKeysPath, lines.map((l) => `${l.trim()}\n`).join(''));
    setAuthorizedKeys(options.authorizedKeys ?? []);
    // The server does not log in as a system user: it runs commands as this process's user. Port 0: the system gives
    // it a free port as it binds, and it prints which, so no port drawn beforehand can be taken meanwhile.
    const peer = startPeer(PYTHON, [script, '0', TEST_ACCOUNT.user, TEST_ACCOUNT.password, authorizedKeysPath, ...hostKeys.map(({ key }) => key.privatePath)],
      options.otp === undefined ? {} : { env: { ...process.env, TESSERA_OTP: options.otp } });
    let port: number;
    try {
      port = Number((await peer.waitForOutput(/LISTENING (\d+)/, 15_000))[1]);
    } catch (err) {
      await peer.stop();
      throw err;
    }
    return serverHandle({
      kind: 'asyncssh', version: '2.10.1', port, peer, account: TEST_ACCOUNT, hostKeys, hostCa: undefined,
      setAuthorizedKeys, cleanUp: () => { removeTempDir(dir); },
    });
  } catch (err) {
    removeTempDir(dir);
    throw err;
  }
}
