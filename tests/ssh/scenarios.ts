// The end-to-end scenarios run the same way over direct TCP and through the relay: output
// integrity, auth methods, known_hosts decisions (accept, unknown, changed, @cert-authority,
// @revoked) and a rekey in the middle of a transfer.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHostKeyVerifier, cryptoBackend, HostKeyError, setCryptoBackend, type ChaChaPolyKey, type ClientEvent } from '../../ssh-proto/index.ts';
import { generateKey, makeTempDir, removeTempDir, startSshd, type KeyPair, type SshServerPeer } from '../peers/index.ts';
import { clientFor, execCollect } from './client-support.ts';
import type { Route } from './support.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const MiB = 1024 * 1024;

/** `route()` is read when the tests run (a relay may start in the caller's beforeAll). */
export function scenarioSuite(name: string, route: () => Route): void {
  describe(`${name}: end-to-end scenarios`, () => {
    let dir: string;
    let key: KeyPair;
    let sshd: SshServerPeer;
    let rekeying: SshServerPeer;
    beforeAll(async () => {
      dir = makeTempDir();
      key = generateKey(dir, 'user', 'ed25519');
      [sshd, rekeying] = await Promise.all([
        startSshd({ version: '10.0', authorizedKeys: [key.publicLine] }),
        // A small server RekeyLimit: the server starts a rekey every 4 MiB.
        startSshd({ version: '9.2', authorizedKeys: [key.publicLine], rekeyLimit: '4M' }),
      ]);
    });
    afterAll(async () => {
      await Promise.all([sshd?.stop(), rekeying?.stop()]);
      removeTempDir(dir);
    });

    const verifierFor = (knownHosts: string) => createHostKeyVerifier({ knownHosts, host: sshd.host, port: sshd.port });

    it('64 MiB through `cat` intact (SHA-256), host key from known_hosts', { timeout: 120_000 }, async () => {
      const client = await clientFor(sshd, { key, route: route(), verifyHostKey: verifierFor(sshd.knownHosts()) });
      try {
        const data = randomBytes(64 * MiB);
        const out = await execCollect(client, 'cat', data);
        expect(out.stdout.length).toBe(data.length);
        expect(sha256(out.stdout)).toBe(sha256(data));
        expect(out.code).toBe(0);
      } finally {
        await client.close();
      }
    });

    it('password and keyboard-interactive logins', { timeout: 30_000 }, async () => {
      for (const method of [
        { type: 'password' as const, password: sshd.password },
        { type: 'keyboard-interactive' as const, password: sshd.password },
      ]) {
        const client = await clientFor(sshd, { methods: [method], route: route() });
        try {
          expect((await execCollect(client, 'id -un')).stdout.toString()).toBe(`${sshd.user}\n`);
        } finally {
          await client.close();
        }
      }
    });

    it('an unknown host key is refused with HOST_KEY_UNKNOWN and its fingerprint', { timeout: 30_000 }, async () => {
      const err = await clientFor(sshd, { key, route: route(), verifyHostKey: verifierFor(''), extra: { algorithms: { hostKeys: ['ssh-ed25519'] } } })
        .then(async (c) => { await c.close(); return undefined; }, (e: unknown) => e);
      expect(err).toBeInstanceOf(HostKeyError);
      expect((err as HostKeyError).code).toBe('HOST_KEY_UNKNOWN');
      expect((err as HostKeyError).fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    });

    it('a changed host key is a hard stop (HOST_KEY_CHANGED)', { timeout: 30_000 }, async () => {
      const impostor = generateKey(dir, `impostor_${name.replace(/\W/g, '')}`, 'ed25519');
      const [algo, b64] = impostor.publicLine.split(' ');
      const knownHosts = `[${sshd.host}]:${sshd.port} ${algo} ${b64}\n`;
      const err = await clientFor(sshd, { key, route: route(), verifyHostKey: verifierFor(knownHosts), extra: { algorithms: { hostKeys: ['ssh-ed25519'] } } })
        .then(async (c) => { await c.close(); return undefined; }, (e: unknown) => e);
      expect((err as HostKeyError).code).toBe('HOST_KEY_CHANGED');
      expect((err as Error).message).toContain('CHANGED');
    });

    it('a host certificate is trusted through @cert-authority', { timeout: 30_000 }, async () => {
      const client = await clientFor(sshd, {
        key, route: route(), verifyHostKey: verifierFor(sshd.certAuthorityLine()),
        extra: { algorithms: { hostKeys: ['ssh-ed25519-cert-v01@openssh.com'] } },
      });
      try {
        expect(client.algorithms.hostKey).toBe('ssh-ed25519-cert-v01@openssh.com');
        expect((await execCollect(client, 'echo certified')).stdout.toString()).toBe('certified\n');
      } finally {
        await client.close();
      }
    });

    it('a @revoked host key is refused even when also listed as known', { timeout: 30_000 }, async () => {
      const ed = sshd.hostKeys.find((h) => h.key.type === 'ed25519');
      const [algo, b64] = (ed?.key.publicLine ?? '').split(' ');
      const knownHosts = `${sshd.knownHosts()}@revoked * ${algo} ${b64}\n`;
      const err = await clientFor(sshd, { key, route: route(), verifyHostKey: verifierFor(knownHosts), extra: { algorithms: { hostKeys: ['ssh-ed25519'] } } })
        .then(async (c) => { await c.close(); return undefined; }, (e: unknown) => e);
      expect((err as HostKeyError).code).toBe('HOST_KEY_REVOKED');
    });

    it('data flows intact across server-initiated rekeys (RekeyLimit 4M, 24 MiB through cat); each rekey wipes the keys it replaces, and the end wipes the rest', { timeout: 120_000 }, async () => {
      const events: ClientEvent[] = [];
      // The backend's chacha20-poly1305 keys, and which of them were disposed (wiped).
      const base = cryptoBackend();
      const keys: ChaChaPolyKey[] = [];
      const wiped = new Set<ChaChaPolyKey>();
      const previous = setCryptoBackend({
        ...base,
        chachaPolyKey: async (raw) => {
          const k = await base.chachaPolyKey(raw);
          keys.push(k);
          const dispose = k.dispose.bind(k);
          k.dispose = () => { wiped.add(k); dispose(); };
          return k;
        },
      });
      const client = await clientFor(rekeying, { key, route: route(), events, extra: { algorithms: { ciphers: ['chacha20-poly1305@openssh.com'] } } });
      try {
        const data = randomBytes(24 * MiB);
        const out = await execCollect(client, 'cat', data);
        expect(sha256(out.stdout)).toBe(sha256(data));
        const rekeys = events.filter((e) => e.type === 'kex-done' && !e.initial);
        expect(rekeys.length).toBeGreaterThanOrEqual(2);
        // One key per direction and key exchange; all but the pair in use are wiped.
        expect(keys.length).toBe(2 * (rekeys.length + 1));
        expect([...wiped]).toEqual(expect.arrayContaining(keys.slice(0, -2)));
        expect(wiped.size).toBe(keys.length - 2);
        // And those two once the connection has ended.
        await client.close();
        await vi.waitFor(() => expect(wiped.size).toBe(keys.length), { timeout: 3000 });
      } finally {
        setCryptoBackend(previous);
        await client.close().catch(() => undefined);
      }
    });

    it('data flows intact across client-initiated rekeys (every 2 MiB)', { timeout: 120_000 }, async () => {
      const events: ClientEvent[] = [];
      const client = await clientFor(sshd, { key, route: route(), events, extra: { rekeyAfterBytes: 2 * MiB } });
      try {
        const data = randomBytes(12 * MiB);
        const out = await execCollect(client, 'cat', data);
        expect(sha256(out.stdout)).toBe(sha256(data));
        expect(events.filter((e) => e.type === 'kex-done' && !e.initial).length).toBeGreaterThanOrEqual(3);
      } finally {
        await client.close();
      }
    });
  });
}
