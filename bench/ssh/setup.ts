// One sshd (OpenSSH 9.2, loopback) and a user key for the SSH benchmarks. sshd logs at DEBUG1, which names the
// algorithms of each key exchange (kex.c kex_choose_conf: "kex: server->client cipher: ... MAC: ..."), and no
// more per packet: the benchmarks check from it that every client really ran the cipher they asked for.
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey, makeTempDir, removeTempDir, startSshd } from '../../tests/peers/index.ts';
import { ensureCliBundle } from '../../tests/support/index.ts';
import { loadSigner, macFor, requireSsh2Binding, type BenchTarget } from './clients.ts';
import { parseNegotiated, type Negotiated } from './negotiated.ts';

export interface BenchSetup {
  readonly target: BenchTarget;
  readonly dir: string;
  /** The key exchanges sshd logged since the last call (or the start), in order. */
  negotiated(): Negotiated[];
  /**
   * Throws unless sshd logged at least one key exchange since the last call and every one of them used `cipher`
   * (and, for a cipher with a separate MAC, the MAC the clients ask for) in both directions.
   */
  expectCipher(client: string, cipher: string): Negotiated;
  stop(): Promise<void>;
}

export async function benchSetup(): Promise<BenchSetup> {
  ensureCliBundle();
  requireSsh2Binding();
  const dir = makeTempDir('tessera-bench-');
  chmodSync(dir, 0o755); // the test account reads files from here
  const key = generateKey(dir, 'user', 'ed25519');
  const server = await startSshd({ version: '9.2', authorizedKeys: [key.publicLine], logLevel: 'DEBUG1' });
  const knownHostsPath = join(dir, 'known_hosts');
  writeFileSync(knownHostsPath, server.knownHosts());
  const target: BenchTarget = { server, keyPath: key.privatePath, knownHostsPath, signer: await loadSigner(key.privatePath) };
  let read = server.log().length;
  const negotiated = (): Negotiated[] => {
    const log = server.log();
    const fresh = log.slice(read);
    read = log.length;
    return parseNegotiated(fresh);
  };
  return {
    target, dir, negotiated,
    expectCipher(client, cipher) {
      const seen = negotiated();
      const mac = macFor(cipher) ?? '<implicit>';
      const wrong = seen.filter((n) => n.cipher !== cipher || n.mac !== mac);
      if (seen.length === 0 || wrong.length > 0) {
        const got = seen.length === 0 ? 'no key exchange in sshd\'s log' : seen.map((n) => `${n.cipher} MAC ${n.mac}`).join(', ');
        throw new Error(`${client}: asked for ${cipher} (MAC ${mac}), but sshd negotiated: ${got}. The figures would compare different work.`);
      }
      return seen[0]!;
    },
    async stop() { await server.stop(); removeTempDir(dir); },
  };
}

/** Writes `mib` MiB of random bytes (one random MiB repeated) to `name` in the bench folder, readable by the test account; returns its path. */
export function writePayload(setup: BenchSetup, name: string, mib: number): string {
  const file = join(setup.dir, name);
  const fd = openSync(file, 'w', 0o644);
  const block = randomBytes(1 << 20);
  for (let i = 0; i < mib; i++) writeSync(fd, block);
  closeSync(fd);
  return file;
}
