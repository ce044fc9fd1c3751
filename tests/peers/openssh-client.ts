// The real OpenSSH client against a test peer: checks the harness itself and is the
// reference client of the benchmarks.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireExecutable } from '../support/index.ts';
import { makeTempDir, removeTempDir } from './keys.ts';
import type { SshServerPeer } from './server.ts';

export interface OpenSshRun {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

export interface OpenSshOptions {
  readonly identity: string;
  readonly command: string;
  /** Extra -o options, e.g. { Ciphers: 'aes128-gcm@openssh.com' }. */
  readonly options?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

/** Runs `ssh -i identity user@host command` against the peer, trusting exactly its host keys. */
export async function runOpenSsh(server: SshServerPeer, options: OpenSshOptions): Promise<OpenSshRun> {
  const ssh = requireExecutable('/usr/bin/ssh', 'Debian openssh-client');
  const dir = makeTempDir('tessera-ssh-client-');
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, server.knownHosts());
  const opts: Record<string, string> = {
    BatchMode: 'yes', StrictHostKeyChecking: 'yes', UserKnownHostsFile: knownHosts, GlobalKnownHostsFile: '/dev/null',
    IdentitiesOnly: 'yes', IdentityAgent: 'none', LogLevel: 'ERROR', ...(options.options ?? {}),
  };
  const args = ['-F', '/dev/null', '-i', options.identity, '-p', String(server.port),
    ...Object.entries(opts).flatMap(([k, v]) => ['-o', `${k}=${v}`]), `${server.user}@${server.host}`, options.command];
  try {
    return await new Promise<OpenSshRun>((resolve, reject) => {
      const child = spawn(ssh, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      let err = '';
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => { err += d.toString('utf8'); });
      const timer = setTimeout(() => { if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL'); }, options.timeoutMs ?? 20_000);
      child.once('error', (e) => { clearTimeout(timer); reject(e); });
      child.once('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout: Buffer.concat(out), stderr: err }); });
    });
  } finally {
    removeTempDir(dir);
  }
}
