// The harness itself, checked with the real OpenSSH client: each launcher starts a real server
// that accepts the test account's key, and every process is stopped by its id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateKey, makeTempDir, removeTempDir, runOpenSsh, startAsyncSsh, startDropbear, startSshd,
  STRICT_KEX_LOG_LINE, type KeyPair, type SshServerPeer,
} from './index.ts';

let dir: string;
let userKey: KeyPair;
beforeAll(() => { dir = makeTempDir(); userKey = generateKey(dir, 'user', 'ed25519'); });
afterAll(() => removeTempDir(dir));

const launchers: [string, () => Promise<SshServerPeer>][] = [
  ['OpenSSH 9.2', () => startSshd({ version: '9.2', authorizedKeys: [userKey.publicLine], logLevel: 'DEBUG3' })],
  ['OpenSSH 10.0', () => startSshd({ version: '10.0', authorizedKeys: [userKey.publicLine], logLevel: 'DEBUG3' })],
  ['Dropbear', () => startDropbear({ authorizedKeys: [userKey.publicLine] })],
  ['AsyncSSH', () => startAsyncSsh({ authorizedKeys: [userKey.publicLine] })],
];

describe.each(launchers)('%s launcher', (_name, launch) => {
  it('accepts a publickey login from the real OpenSSH client and stops by pid', async () => {
    const server = await launch();
    try {
      const run = await runOpenSsh(server, { identity: userKey.privatePath, command: 'echo tessera-$((6*7))' });
      // At DEBUG3 sshd's session child logs a few "debug3:" lines into the channel's stderr before exec.
      expect(run.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('debug'))).toEqual([]);
      expect(run.stdout.toString()).toBe('tessera-42\n');
      expect(run.code).toBe(0);
      if (server.kind === 'openssh') expect(server.log()).toMatch(STRICT_KEX_LOG_LINE);
    } finally {
      await server.stop();
    }
    expect(() => process.kill(server.pid, 0)).toThrow();
  });
});

describe('OpenSSH host certificates', () => {
  it('are trusted by the real client through @cert-authority', async () => {
    const server = await startSshd({ authorizedKeys: [userKey.publicLine] });
    try {
      // known_hosts holds only the CA line: the host certificate alone must convince ssh.
      const run = await runOpenSsh({ ...server, knownHosts: () => server.certAuthorityLine() }, { identity: userKey.privatePath, command: 'true' });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    } finally {
      await server.stop();
    }
  });
});
