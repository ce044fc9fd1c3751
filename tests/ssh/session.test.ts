// Sessions against real servers (RFC 4254): output integrity through `cat`, exit codes and
// signals, stderr, pty size after window-change, env, several channels at once.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, makeTempDir, removeTempDir, startDropbear, startSshd, type KeyPair, type SshServerPeer } from '../peers/index.ts';
import { clientFor, collect, execCollect } from './client-support.ts';
import type { SshClient } from '../../ssh-proto/index.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const MiB = 1024 * 1024;

const servers: [string, (key: KeyPair) => Promise<SshServerPeer>][] = [
  ['OpenSSH 9.2', (key) => startSshd({ version: '9.2', authorizedKeys: [key.publicLine] })],
  ['OpenSSH 10.0', (key) => startSshd({ version: '10.0', authorizedKeys: [key.publicLine] })],
  ['Dropbear', (key) => startDropbear({ authorizedKeys: [key.publicLine] })],
];

describe.each(servers)('%s sessions', (name, start) => {
  let dir: string;
  let key: KeyPair;
  let server: SshServerPeer;
  let client: SshClient;
  beforeAll(async () => {
    dir = makeTempDir();
    key = generateKey(dir, 'user', 'ed25519');
    server = await start(key);
    client = await clientFor(server, { key });
  });
  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await server?.stop();
    removeTempDir(dir);
  });

  // OpenSSH 10.0's 64 MiB run is in direct.test.ts and relay.test.ts (the end-to-end scenarios).
  if (name !== 'OpenSSH 10.0') {
    it('64 MiB through `cat` come back byte for byte (SHA-256)', { timeout: 90_000 }, async () => {
      const data = randomBytes(64 * MiB);
      const out = await execCollect(client, 'cat', data);
      expect(out.stdout.length).toBe(data.length);
      expect(sha256(out.stdout)).toBe(sha256(data));
      expect(out.code).toBe(0);
    });
  }

  it.each([0, 1, 3, 255])('exit status %i is reported', { timeout: 20_000 }, async (code) => {
    const out = await execCollect(client, `exit ${code}`);
    expect(out.code).toBe(code);
    expect(out.signal).toBeUndefined();
  });

  it('stdout and stderr stay apart', { timeout: 20_000 }, async () => {
    const out = await execCollect(client, 'echo to-out; echo to-err 1>&2');
    expect(out.stdout.toString()).toBe('to-out\n');
    expect(out.stderr.split('\n').filter((l) => !l.startsWith('debug'))).toContain('to-err');
  });

  it('a command killed by a signal reports exit-signal', { timeout: 20_000 }, async () => {
    const out = await execCollect(client, 'kill -TERM $$');
    expect(out.signal).toBe('TERM');
    expect(out.code).toBeUndefined();
  });

  it('three channels run at once, each with its own output', { timeout: 30_000 }, async () => {
    const outs = await Promise.all([1, 2, 3].map((n) => execCollect(client, `sleep 0.2; echo channel-${n}; exit ${n}`)));
    expect(outs.map((o) => o.stdout.toString())).toEqual(['channel-1\n', 'channel-2\n', 'channel-3\n']);
    expect(outs.map((o) => o.code)).toEqual([1, 2, 3]);
  });

  it('`stty size` sees the pty size after a window-change', { timeout: 30_000 }, async () => {
    // stdin stays open: after EOF on a pty session sshd no longer applies window changes. The command waits for a
    // line between its two `stty size`, so the change lands between them however slow the machine: the server
    // applies a window-change when it reads the request, before the data sent after it reaches the pty.
    const session = await client.exec('stty size; read go; stty size', { pty: { term: 'xterm', cols: 80, rows: 24 } });
    const reader = session.stdout.getReader();
    let text = '';
    while (!text.includes('24 80\r\n')) {
      const { done, value } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    await session.windowChange(132, 43);
    const writer = session.stdin.getWriter();
    await writer.write(new TextEncoder().encode('\n'));
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    await session.exit;
    // The newline the pty echoes back is an empty line.
    const lines = text.split(/\r?\n/).filter((l) => l !== '');
    expect(lines).toEqual(['24 80', '43 132']);
  });

  if (name !== 'Dropbear') {
    it('a signal request ends a running command (RFC 4254 §6.9)', { timeout: 20_000 }, async () => {
      const session = await client.exec('exec sleep 30');
      await session.stdin.getWriter().close().catch(() => undefined);
      void collect(session.stdout);
      await new Promise((r) => setTimeout(r, 300));
      await session.signal('TERM');
      const exit = await session.exit;
      expect(exit.signal).toBe('TERM');
    });

    it('env variables the server accepts reach the command', { timeout: 20_000 }, async () => {
      const session = await client.exec('echo "$TESSERA_PROBE"', { env: { TESSERA_PROBE: 'hello-env' } });
      await session.stdin.getWriter().close();
      expect((await collect(session.stdout)).toString()).toBe('hello-env\n');
    });
  }
});
