// The three clients of the SSH benchmarks, each running one `exec` and counting its stdout:
// Tessera (in-process library, and the `tessera ssh` command), the ssh2 npm client, OpenSSH `ssh`.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { connectTcp } from '../../cli/net-stream.ts';
import { NODE_CRYPTO_BACKEND } from '../../cli/node-crypto-backend.ts';
import { connect, createHostKeyVerifier, parsePrivateKeyFile, setCryptoBackend, WEB_CRYPTO_BACKEND, type CryptoBackend, type SoftwareKey } from '../../ssh-proto/index.ts';
import { repoRoot, type SshServerPeer } from '../../tests/peers/index.ts';
import { ensureCliBundle, PeerMissingError, requireExecutable } from '../../tests/support/index.ts';
import { cpuMsSince, ssh2Exec, type ExecResult } from './ssh2-client.ts';

export type { ExecResult } from './ssh2-client.ts';

export interface BenchTarget {
  readonly server: SshServerPeer;
  readonly keyPath: string;
  readonly knownHostsPath: string;
  readonly signer: SoftwareKey;
}

/** MACs for non-AEAD ciphers (what OpenSSH would pick first). */
export const macFor = (cipher: string) => (/gcm|chacha/.test(cipher) ? undefined : 'hmac-sha2-256-etm@openssh.com');

/** The crypto backends Tessera can run on (ssh-proto/crypto/backend.ts): the page's, and the `tessera` command's. */
export const BACKENDS = { web: WEB_CRYPTO_BACKEND, node: NODE_CRYPTO_BACKEND } as const satisfies Record<string, CryptoBackend>;

/**
 * Tessera in-process on `backend` (default: the page's WebCrypto + libsodium): connect, auth, exec, drain stdout;
 * `ms` is all of it, `transferMs` the exec alone.
 */
export async function tesseraExec(t: BenchTarget, command: string, cipher?: string, backend: CryptoBackend = WEB_CRYPTO_BACKEND): Promise<ExecResult & { transferMs: number }> {
  const previous = setCryptoBackend(backend);
  try {
    return await tesseraExecOn(t, command, cipher);
  } finally {
    setCryptoBackend(previous);
  }
}

async function tesseraExecOn(t: BenchTarget, command: string, cipher?: string): Promise<ExecResult & { transferMs: number }> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const stream = await connectTcp(t.server.host, t.server.port);
  const mac = cipher ? macFor(cipher) : undefined;
  const client = await connect(stream, {
    username: t.server.user,
    auth: { methods: [{ type: 'publickey', signer: t.signer }] },
    verifyHostKey: createHostKeyVerifier({ knownHosts: t.server.knownHosts(), host: t.server.host, port: t.server.port }),
    algorithms: { hostKeys: ['ssh-ed25519'], ...(cipher ? { ciphers: [cipher] } : {}), ...(mac ? { macs: [mac] } : {}) },
  });
  const execStart = performance.now();
  const session = await client.exec(command);
  await session.stdin.close();
  let bytes = 0;
  const reader = session.stdout.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
  }
  const exit = await session.exit;
  const transferMs = performance.now() - execStart;
  await client.close();
  stream.destroy();
  return { bytes, code: exit.code, ms: performance.now() - start, transferMs, cpuMs: cpuMsSince(cpu) };
}

/**
 * Throws unless ssh2's native crypto binding (cpu-features and its OpenSSL ciphers, built at npm install) loads:
 * without it ssh2 falls back to slower JavaScript paths, and the figures would compare Tessera with a peer users
 * of ssh2 do not run.
 */
export function requireSsh2Binding(): void {
  const ssh2Crypto = createRequire(import.meta.url)('ssh2/lib/protocol/crypto.js') as { bindingAvailable: boolean };
  if (!ssh2Crypto.bindingAvailable) throw new PeerMissingError('the ssh2 package\'s native crypto binding is not built (node_modules/ssh2/lib/protocol/crypto/build): run npm ci with its install scripts allowed');
}

export async function loadSigner(keyPath: string): Promise<SoftwareKey> {
  const { readFileSync } = await import('node:fs');
  return parsePrivateKeyFile(readFileSync(keyPath, 'utf8'));
}

export function ssh2(t: BenchTarget, command: string, cipher?: string): Promise<ExecResult> {
  const hostKeyBlobs = t.server.hostKeys.map((h) => h.key.blob);
  return ssh2Exec({ host: t.server.host, port: t.server.port, user: t.server.user, privateKeyPath: t.keyPath, hostKeyBlobs }, command, cipher);
}

const CPU_MARK = 'TESSERA-BENCH-CPU';

/**
 * What the Node clients (`tessera ssh`, ssh2 as a command) run with: this machine's environment less the Node
 * settings a stock machine lacks, as OpenSSH runs with `-F /dev/null`. This sandbox sets NODE_EXTRA_CA_CERTS for
 * every process: Node then reads and parses that CA bundle at each start, before any client code runs (~45 ms here,
 * `node -e 0` 20-30 ms against 60-80). bench/ssh/handshake.ts also runs `tessera ssh` with it, to show the cost.
 */
export const STOCK_NODE_ENV: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS'].includes(k)),
);

/**
 * A client process. Its stdout goes straight into `wc -c` (a small C program), the same sink for OpenSSH and
 * Tessera: counting in this Node process would charge both clients for the harness's own reads (on a shared 2-core
 * machine that halved OpenSSH's figure). The two run as a shell pipeline, `client | wc -c`, as a user would type it:
 * the client's stdout is then a pipe(2). (Node's own stdio pipes are socketpairs, which a client writes differently.)
 */
function runProcess(command: string, args: readonly string[], measureCpu = false, env: NodeJS.ProcessEnv = process.env, stdinFile?: string): Promise<ExecResult> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    // With measureCpu, bash's `time` reports the client's own CPU time on stderr (its last line): a figure the
    // shared machine's load does not inflate the way it does wall-clock time. With stdinFile, the client reads it
    // as `< file` gives it (bench/ssh/upload.ts).
    const run = stdinFile ? '"$@" < "$TESSERA_BENCH_STDIN"' : '"$@"';
    const client = measureCpu ? `TIMEFORMAT='${CPU_MARK} %3U %3S'; { time ${run}; }` : run;
    const child = spawn('bash', ['-c', `set -o pipefail; ${client} | wc -c`, 'bash', command, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'], env: stdinFile ? { ...env, TESSERA_BENCH_STDIN: stdinFile } : env,
    });
    let count = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { count += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = performance.now() - start;
      const cpu = new RegExp(`${CPU_MARK} ([\\d.]+) ([\\d.]+)`).exec(err);
      if (cpu) err = err.slice(0, cpu.index);
      if (code !== 0) reject(new Error(`${command} exited ${code}: ${err}`));
      else resolve({ bytes: Number(count.trim()), code, ms, ...(cpu ? { cpuMs: (Number(cpu[1]) + Number(cpu[2])) * 1000 } : {}) });
    });
  });
}

export function openssh(t: BenchTarget, command: string, cipher?: string, measureCpu = false, stdinFile?: string): Promise<ExecResult> {
  const mac = cipher ? macFor(cipher) : undefined;
  return runProcess(requireExecutable('/usr/bin/ssh', 'Debian 12 openssh-client'), [
    '-F', '/dev/null', '-i', t.keyPath, '-p', String(t.server.port),
    '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${t.knownHostsPath}`, '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-o', 'HostKeyAlgorithms=ssh-ed25519',
    ...(cipher ? ['-o', `Ciphers=${cipher}`] : []), ...(mac ? ['-o', `MACs=${mac}`] : []),
    `${t.server.user}@${t.server.host}`, command,
  ], measureCpu, process.env, stdinFile);
}

/**
 * The ssh2 client as a command (bench/ssh/ssh2-command.mjs): a process whose stdout goes into the same `wc -c`, the
 * like-for-like peer of `tessera ssh` (the in-process ssh2 run neither starts a process nor writes its output).
 */
export function ssh2Command(t: BenchTarget, command: string, cipher?: string, measureCpu = false, stdinFile?: string): Promise<ExecResult> {
  const hostKey = t.server.hostKeys.find((h) => h.key.algorithm === 'ssh-ed25519') ?? t.server.hostKeys[0];
  if (!hostKey) throw new Error('the server has no host key to check ssh2 against');
  return runProcess(process.execPath, [
    join(repoRoot, 'bench', 'ssh', 'ssh2-command.mjs'), t.server.host, String(t.server.port), t.server.user, t.keyPath,
    Buffer.from(hostKey.key.blob).toString('base64'), cipher ?? '-', command,
  ], measureCpu, STOCK_NODE_ENV, stdinFile);
}

/**
 * The `tessera ssh` command (node start-up included; benchSetup makes sure the prebuilt bundle is fresh), in
 * STOCK_NODE_ENV unless given another environment.
 */
export function tesseraCli(t: BenchTarget, command: string, cipher?: string, measureCpu = false, env = STOCK_NODE_ENV, stdinFile?: string): Promise<ExecResult> {
  ensureCliBundle();
  const mac = cipher ? macFor(cipher) : undefined;
  return runProcess(process.execPath, [
    join(repoRoot, 'cli', 'tessera.js'), 'ssh', '-i', t.keyPath, '-p', String(t.server.port), '--known-hosts', t.knownHostsPath,
    '-o', 'HostKeyAlgorithms=ssh-ed25519', ...(cipher ? ['-o', `Ciphers=${cipher}`] : []), ...(mac ? ['-o', `MACs=${mac}`] : []),
    `${t.server.user}@${t.server.host}`, '--', command,
  ], measureCpu, env, stdinFile);
}
