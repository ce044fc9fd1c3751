// One sshd (OpenSSH 9.2, loopback) and a user key for the SSH benchmarks. sshd logs at DEBUG1, which names the
// algorithms of each key exchange (kex.c kex_choose_conf: "kex: server->client cipher: ... MAC: ..."), and no
// more per packet: the benchmarks check from it that every client really ran the cipher they asked for.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey, makeTempDir, removeTempDir, startSshd } from '../../tests/peers/index.ts';
import { ensureCliBundle } from '../../tests/support/index.ts';
import { loadSigner, macFor, requireSsh2Binding, type BenchTarget } from './clients.ts';
import { parseNegotiated, type Negotiated } from './negotiated.ts';

export interface BenchSetup {
  readonly target: BenchTarget;
  readonly dir: string;
  /**
   * The key exchanges sshd logged since the last call (or the start), in order, once at least `atLeast` of them are
   * logged whole (sshd's log reaches this process through a pipe, maybe after the client has exited); throws after
   * 10 s without them.
   */
  negotiated(atLeast?: number): Promise<Negotiated[]>;
  /**
   * Throws unless sshd logged at least one key exchange since the last call and every one of them used `cipher`
   * (and, for a cipher with a separate MAC, the MAC the clients ask for) in both directions.
   */
  expectCipher(client: string, cipher: string): Promise<Negotiated>;
  stop(): Promise<void>;
}

export async function benchSetup(): Promise<BenchSetup> {
  ensureCliBundle();
  requireSsh2Binding();
  const dir = makeTempDir('tessera-bench-');
  chmodSync(dir, 0o755); // the test account reads files from here
  const key = generateKey(dir, 'user', 'ed25519');
  const server = await startSshd({ version: '9.2', authorizedKeys: [key.publicLine], logLevel: 'DEBUG1' });
  pinServer(server.pid);
  const knownHostsPath = join(dir, 'known_hosts');
  writeFileSync(knownHostsPath, server.knownHosts());
  const target: BenchTarget = { server, keyPath: key.privatePath, knownHostsPath, signer: await loadSigner(key.privatePath) };
  let read = server.log().length;
  /** The records in the log's complete lines since `read`, and where those lines end. */
  const fresh = (): { records: Negotiated[]; end: number } => {
    const log = server.log();
    const end = log.lastIndexOf('\n') + 1;
    return { records: end > read ? parseNegotiated(log.slice(read, end)) : [], end: Math.max(end, read) };
  };
  const negotiated = async (atLeast = 0): Promise<Negotiated[]> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { records, end } = fresh();
      if (records.filter((r) => r.cipher !== '').length >= atLeast) {
        read = end;
        return records;
      }
      if (Date.now() > deadline) throw new Error(`sshd logged ${records.length} key exchange(s) where ${atLeast} were expected within 10 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return {
    target, dir, negotiated,
    async expectCipher(client, cipher) {
      const seen = await negotiated(1);
      const mac = macFor(cipher) ?? '<implicit>';
      const wrong = seen.filter((n) => n.cipher !== cipher || n.mac !== mac);
      if (wrong.length > 0) {
        throw new Error(`${client}: asked for ${cipher} (MAC ${mac}), but sshd negotiated: ${seen.map((n) => `${n.cipher} MAC ${n.mac}`).join(', ')}. The figures would compare different work.`);
      }
      return seen[0]!;
    },
    async stop() { await server.stop(); removeTempDir(dir); },
  };
}

/**
 * TESSERA_BENCH_PIN=1 (2 CPUs or more): sshd (and every session it forks: `cat`) on one CPU, this process and every
 * client it starts on another. Each side then has a core of its own, as when client and server are different
 * machines. Measured here: sshd on its one core still sets the rate (~450-650 MB/s), so the clients still tie; the
 * figures then tell how fast sshd serves each client, not how fast each client could go.
 */
function pinServer(pid: number): void {
  if (process.env['TESSERA_BENCH_PIN'] !== '1') return;
  // The CPUs this process may use (a container's set need not start at 0): the first for sshd, the second for us.
  const allowed = /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '';
  const cpus = allowed.split(',').flatMap((range) => {
    const [a, b = a] = range.split('-').map(Number);
    return Array.from({ length: b! - a! + 1 }, (_, i) => a! + i);
  });
  if (cpus.length < 2) throw new Error(`TESSERA_BENCH_PIN=1 needs 2 CPUs; this process may use ${allowed || 'none it can read'}`);
  execFileSync('taskset', ['-a', '-p', '-c', String(cpus[0]), String(pid)], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('taskset', ['-a', '-p', '-c', String(cpus[1]), String(process.pid)], { stdio: ['ignore', 'ignore', 'inherit'] });
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
