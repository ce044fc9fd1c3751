// The three clients of the SSH benchmarks, each running one `exec` and counting its stdout:
// Tessera (in-process library, and the `tessera ssh` command), the ssh2 npm client, OpenSSH `ssh`.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { connectTcp } from '../../cli/net-stream.ts';
import { connect, createHostKeyVerifier, parsePrivateKeyFile, type SoftwareKey } from '../../ssh-proto/index.ts';
import { repoRoot, type SshServerPeer } from '../../tests/peers/index.ts';
import { ssh2Exec, type ExecResult } from './ssh2-client.ts';

export type { ExecResult } from './ssh2-client.ts';

export interface BenchTarget {
  readonly server: SshServerPeer;
  readonly keyPath: string;
  readonly knownHostsPath: string;
  readonly signer: SoftwareKey;
}

/** MACs for non-AEAD ciphers (what OpenSSH would pick first). */
const macFor = (cipher: string) => (/gcm|chacha/.test(cipher) ? undefined : 'hmac-sha2-256-etm@openssh.com');

/** Tessera in-process: connect, auth, exec, drain stdout; `ms` is all of it, `transferMs` the exec alone. */
export async function tesseraExec(t: BenchTarget, command: string, cipher?: string): Promise<ExecResult & { transferMs: number }> {
  const start = performance.now();
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
  return { bytes, code: exit.code, ms: performance.now() - start, transferMs };
}

export async function loadSigner(keyPath: string): Promise<SoftwareKey> {
  const { readFileSync } = await import('node:fs');
  return parsePrivateKeyFile(readFileSync(keyPath, 'utf8'));
}

export function ssh2(t: BenchTarget, command: string, cipher?: string): Promise<ExecResult> {
  const hostKeyBlobs = t.server.hostKeys.map((h) => h.key.blob);
  return ssh2Exec({ host: t.server.host, port: t.server.port, user: t.server.user, privateKeyPath: t.keyPath, hostKeyBlobs }, command, cipher);
}

/** A client process; stdout is counted here, through a pipe. */
function runProcess(command: string, args: readonly string[]): Promise<ExecResult> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0;
    let err = '';
    child.stdout.on('data', (d: Buffer) => { bytes += d.length; });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) reject(new Error(`${command} exited ${code}: ${err}`));
      else resolve({ bytes, code: code ?? undefined, ms: performance.now() - start });
    });
  });
}

export function openssh(t: BenchTarget, command: string, cipher?: string): Promise<ExecResult> {
  const mac = cipher ? macFor(cipher) : undefined;
  return runProcess('/usr/bin/ssh', [
    '-F', '/dev/null', '-i', t.keyPath, '-p', String(t.server.port),
    '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${t.knownHostsPath}`, '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-o', 'HostKeyAlgorithms=ssh-ed25519',
    ...(cipher ? ['-o', `Ciphers=${cipher}`] : []), ...(mac ? ['-o', `MACs=${mac}`] : []),
    `${t.server.user}@${t.server.host}`, command,
  ]);
}

/** The `tessera ssh` command (node + tsx start-up included). */
export function tesseraCli(t: BenchTarget, command: string, cipher?: string): Promise<ExecResult> {
  const mac = cipher ? macFor(cipher) : undefined;
  return runProcess(process.execPath, [
    join(repoRoot, 'cli', 'tessera.js'), 'ssh', '-i', t.keyPath, '-p', String(t.server.port), '--known-hosts', t.knownHostsPath,
    '-o', 'HostKeyAlgorithms=ssh-ed25519', ...(cipher ? ['-o', `Ciphers=${cipher}`] : []), ...(mac ? ['-o', `MACs=${mac}`] : []),
    `${t.server.user}@${t.server.host}`, '--', command,
  ]);
}
