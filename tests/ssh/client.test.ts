// The composed client (ssh-proto/client.ts) against a real sshd: progress events in order,
// a clean close, a refused login closing the transport, and a refused request closing its channel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, type ClientEvent } from '../../ssh-proto/index.ts';
import { generateKey, makeTempDir, removeTempDir, startSshd, type KeyPair, type SshServerPeer } from '../peers/index.ts';
import { clientFor, execCollect } from './client-support.ts';

describe('SshClient', () => {
  let dir: string;
  let key: KeyPair;
  let server: SshServerPeer;
  beforeAll(async () => {
    dir = makeTempDir();
    key = generateKey(dir, 'user', 'ecdsa-p256');
    server = await startSshd({ version: '10.0', authorizedKeys: [key.publicLine], config: { Subsystem: 'sftp internal-sftp' } });
  });
  afterAll(async () => { await server?.stop(); removeTempDir(dir); });

  it('reports progress: connecting, kex-done, authenticating, connected, closed', { timeout: 30_000 }, async () => {
    const events: ClientEvent[] = [];
    const client = await clientFor(server, { key, events });
    expect(client.serverVersion).toMatch(/^SSH-2\.0-OpenSSH_10\.0/);
    expect(client.strictKex).toBe(true);
    expect((await execCollect(client, 'echo ok')).stdout.toString()).toBe('ok\n');
    await client.close();
    expect(await client.closed).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['connecting', 'kex-done', 'authenticating', 'connected', 'closed']);
    const kex = events.find((e) => e.type === 'kex-done');
    expect(kex?.type === 'kex-done' && kex.algorithms.kex).toBe('mlkem768x25519-sha256');
  });

  it('a refused login rejects with AuthError and ends the connection', { timeout: 30_000 }, async () => {
    const stranger = generateKey(dir, 'stranger', 'ed25519');
    const events: ClientEvent[] = [];
    const err = await clientFor(server, { key: stranger, events }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).code).toBe('AUTH_FAILED');
    expect(events.map((e) => e.type)).toEqual(['connecting', 'kex-done', 'authenticating']);
  });

  it('a refused subsystem leaves the connection usable', { timeout: 30_000 }, async () => {
    const client = await clientFor(server, { key });
    try {
      const session = await client.openSession();
      await expect(session.subsystem('no-such-subsystem')).rejects.toMatchObject({ code: 'CHANNEL_REQUEST_FAILED' });
      expect((await execCollect(client, 'echo still-here')).stdout.toString()).toBe('still-here\n');
    } finally {
      await client.close();
    }
  });
});
