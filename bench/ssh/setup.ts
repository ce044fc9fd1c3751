// One sshd (OpenSSH 9.2, loopback) and a user key for the SSH benchmarks.
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey, makeTempDir, removeTempDir, startSshd } from '../../tests/peers/index.ts';
import { ensureCliBundle } from '../../tests/support/index.ts';
import { loadSigner, type BenchTarget } from './clients.ts';

export interface BenchSetup { readonly target: BenchTarget; readonly dir: string; stop(): Promise<void> }

export async function benchSetup(): Promise<BenchSetup> {
  ensureCliBundle();
  const dir = makeTempDir('tessera-bench-');
  chmodSync(dir, 0o755); // the test account reads files from here
  const key = generateKey(dir, 'user', 'ed25519');
  const server = await startSshd({ version: '9.2', authorizedKeys: [key.publicLine], logLevel: 'ERROR' });
  const knownHostsPath = join(dir, 'known_hosts');
  writeFileSync(knownHostsPath, server.knownHosts());
  const target: BenchTarget = { server, keyPath: key.privatePath, knownHostsPath, signer: await loadSigner(key.privatePath) };
  return { target, dir, async stop() { await server.stop(); removeTempDir(dir); } };
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
