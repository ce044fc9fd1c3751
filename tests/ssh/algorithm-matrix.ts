// One connection per kex, per cipher (and MAC, for non-AEAD ciphers), per host-key algorithm,
// against each real server that offers it. Each case negotiates exactly one algorithm, then
// authenticates with publickey: encrypted traffic both ways under that algorithm.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, makeTempDir, removeTempDir, type KeyPair, type KeyType, type SshServerPeer } from '../peers/index.ts';
import { transportAndAuth } from './support.ts';

export interface ServerAlgorithms {
  readonly kex: readonly string[];
  readonly ciphers: readonly string[];
  readonly macs: readonly string[];
  /** Host-key algorithm → the key type the server needs for it. */
  readonly hostKeys: Readonly<Record<string, KeyType>>;
  /** Dropbear loads at most 4 host keys ("Early exit: Too many hostkeys"): more servers then. */
  readonly maxHostKeys?: number;
}

const AEAD = new Set(['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com']);

const OPENSSH_HOST_KEYS: Record<string, KeyType> = {
  'ssh-ed25519': 'ed25519', 'ecdsa-sha2-nistp256': 'ecdsa-p256', 'ecdsa-sha2-nistp384': 'ecdsa-p384',
  'ecdsa-sha2-nistp521': 'ecdsa-p521', 'rsa-sha2-512': 'rsa', 'rsa-sha2-256': 'rsa',
};
const OPENSSH_CIPHERS = ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr'];
const OPENSSH_MACS = ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512'];
const CLASSIC_KEX = ['curve25519-sha256', 'curve25519-sha256@libssh.org', 'ecdh-sha2-nistp256', 'ecdh-sha2-nistp384', 'ecdh-sha2-nistp521', 'diffie-hellman-group16-sha512', 'diffie-hellman-group18-sha512', 'diffie-hellman-group14-sha256'];

export const OPENSSH_92: ServerAlgorithms = { kex: CLASSIC_KEX, ciphers: OPENSSH_CIPHERS, macs: OPENSSH_MACS, hostKeys: OPENSSH_HOST_KEYS };
export const OPENSSH_10: ServerAlgorithms = { kex: ['mlkem768x25519-sha256', ...CLASSIC_KEX], ciphers: OPENSSH_CIPHERS, macs: OPENSSH_MACS, hostKeys: OPENSSH_HOST_KEYS };
/** What Debian's Dropbear 2022.83 offers (checked with `ssh -vv`): no GCM, no SHA-512 MAC, RSA only with SHA-256. */
export const DROPBEAR: ServerAlgorithms = {
  kex: ['curve25519-sha256', 'curve25519-sha256@libssh.org', 'ecdh-sha2-nistp256', 'ecdh-sha2-nistp384', 'ecdh-sha2-nistp521', 'diffie-hellman-group14-sha256'],
  ciphers: ['chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes256-ctr'],
  macs: ['hmac-sha2-256'],
  hostKeys: { 'ssh-ed25519': 'ed25519', 'ecdsa-sha2-nistp256': 'ecdsa-p256', 'ecdsa-sha2-nistp384': 'ecdsa-p384', 'ecdsa-sha2-nistp521': 'ecdsa-p521', 'rsa-sha2-256': 'rsa' },
  maxHostKeys: 4,
};

/** Starts `start(hostKeyTypes, authorizedKeys)` once and runs every algorithm it offers. */
export function algorithmSuite(
  name: string,
  table: ServerAlgorithms,
  start: (options: { hostKeyTypes: readonly KeyType[]; authorizedKeys: readonly string[] }) => Promise<SshServerPeer>,
): void {
  describe(`${name}: one connection per algorithm`, () => {
    let dir: string;
    let key: KeyPair;
    let servers: SshServerPeer[] = [];
    beforeAll(async () => {
      dir = makeTempDir();
      key = generateKey(dir, 'user', 'ed25519');
      const types = [...new Set(Object.values(table.hostKeys))];
      const size = table.maxHostKeys ?? types.length;
      const groups: KeyType[][] = [];
      for (let i = 0; i < types.length; i += size) groups.push(types.slice(i, i + size));
      servers = await Promise.all(groups.map((hostKeyTypes) => start({ hostKeyTypes, authorizedKeys: [key.publicLine] })));
    });
    afterAll(async () => { await Promise.all(servers.map((s) => s.stop())); removeTempDir(dir); });

    /** The server holding a host key of `type` (the first one holds ed25519). */
    const serverWith = (type: KeyType | undefined): SshServerPeer => {
      const found = servers.find((s) => s.hostKeys.some((h) => h.key.type === type));
      if (!found) throw new Error(`no server with a ${type} host key`);
      return found;
    };

    async function check(options: { kexAlgorithms?: string[]; ciphers?: string[]; macs?: string[]; hostKeyAlgorithms?: string[] }) {
      const hostKeyAlgorithm = options.hostKeyAlgorithms?.[0] ?? 'ssh-ed25519';
      const server = serverWith(table.hostKeys[hostKeyAlgorithm]);
      const transport = await transportAndAuth(server, key, { hostKeyAlgorithms: ['ssh-ed25519'], ...options });
      try {
        const algorithms = transport.algorithms;
        if (!algorithms) throw new Error('connected without negotiated algorithms');
        return { algorithms, strictKex: transport.strictKex, hostKey: transport.hostKey, server };
      } finally {
        await transport.close();
      }
    }

    describe('kex', () => {
      it.each(table.kex)('%s', { timeout: 30_000 }, async (kex) => {
        const { algorithms, strictKex, server } = await check({ kexAlgorithms: [kex] });
        expect(algorithms.kex).toBe(kex);
        expect(strictKex).toBe(true);
        if (server.kind === 'openssh') expect(server.log()).toContain(`kex: algorithm: ${kex}`);
      });
    });

    describe('cipher and MAC', () => {
      const pairs: [string, string][] = table.ciphers.flatMap((c) => (AEAD.has(c) ? [[c, 'implicit'] as [string, string]] : table.macs.map((m) => [c, m] as [string, string])));
      it.each(pairs)('%s with %s MAC', { timeout: 30_000 }, async (cipher, mac) => {
        const { algorithms } = await check({ ciphers: [cipher], ...(mac === 'implicit' ? {} : { macs: [mac] }) });
        expect(algorithms.cipherClientToServer).toBe(cipher);
        expect(algorithms.cipherServerToClient).toBe(cipher);
        const expectedMac = mac === 'implicit' ? 'none' : mac;
        expect(algorithms.macClientToServer).toBe(expectedMac);
        expect(algorithms.macServerToClient).toBe(expectedMac);
      });
    });

    describe('host key', () => {
      it.each(Object.keys(table.hostKeys))('%s', { timeout: 30_000 }, async (hostKeyAlgorithm) => {
        const { algorithms, hostKey, server } = await check({ hostKeyAlgorithms: [hostKeyAlgorithm] });
        expect(algorithms.hostKey).toBe(hostKeyAlgorithm);
        const type = table.hostKeys[hostKeyAlgorithm];
        const expected = server.hostKeys.find((h) => h.key.type === type);
        expect(Buffer.from(hostKey.blob).equals(Buffer.from(expected?.key.blob ?? []))).toBe(true);
      });
    });
  });
}
