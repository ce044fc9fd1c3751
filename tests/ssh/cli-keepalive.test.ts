// ServerAliveInterval / ServerAliveCountMax in `tessera ssh`, as ssh(1) 9.2 on the same path: a TCP proxy in front of
// sshd stops forwarding in both directions once the remote command has started (a peer that died or a link that went
// silent: nothing is refused, nothing arrives). Both clients notice after their unanswered keepalives and exit 255.
// Before, `-o ServerAliveInterval` was refused as unsupported, and without it the session waits forever.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSshArgs } from '../../cli/ssh.ts';
import { UsageError } from '../../cli/command.ts';
import { repoRoot } from '../peers/index.ts';
import { startFreezingProxy, type FreezingProxy } from '../support/index.ts';
import { useCliTarget } from './cli-target.ts';

/** Runs a client until it exits (killed by pid after 90 s); calls `onStdout` with what it printed so far. */
function run(command: string, args: readonly string[], onStdout: (text: string) => void): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); onStdout(out); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const timer = setTimeout(() => { if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL'); }, 90_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => { clearTimeout(timer); resolve({ code, stderr: err }); });
  });
}

describe('ServerAliveInterval and ServerAliveCountMax', () => {
  const t = useCliTarget();
  let proxy: FreezingProxy;
  let knownHosts: string;
  beforeAll(async () => {
    proxy = await startFreezingProxy(t.sshd.port);
    // The server's keys under the proxy's port, the name both clients look up.
    knownHosts = join(t.dir, 'known_hosts_proxy');
    writeFileSync(knownHosts, readFileSync(t.knownHosts, 'utf8').replaceAll(`]:${t.sshd.port} `, `]:${proxy.port} `));
  });
  afterAll(async () => { await proxy?.close(); });

  const alive = ['-o', 'ServerAliveInterval=1', '-o', 'ServerAliveCountMax=2'];
  const command = 'echo started; sleep 600';
  const freezeOnStart = (text: string) => { if (text.includes('started\n')) proxy.freeze(); };

  it('a silent server ends the session with 255, as ssh(1)', { timeout: 200_000 }, async () => {
    const theirs = await run('/usr/bin/ssh', ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-i', t.key.privatePath, ...alive, '-p', String(proxy.port), `${t.sshd.user}@127.0.0.1`, command], freezeOnStart);
    expect(theirs.stderr).toContain('Timeout, server 127.0.0.1 not responding.');
    expect(theirs.code).toBe(255);
    const args = [join(repoRoot, 'cli', 'tessera.js'), 'ssh', '--known-hosts', knownHosts, '-i', t.key.privatePath, ...alive, '-p', String(proxy.port), `${t.sshd.user}@127.0.0.1`, '--', command];
    const ours = await run(process.execPath, args, freezeOnStart);
    expect(ours.stderr).toContain('[KEEPALIVE_TIMEOUT]');
    expect(ours.code).toBe(255);
  });

  it('values as ssh_config(5) reads them; 0 turns the keepalive off; nonsense is refused', () => {
    expect(parseSshArgs(['-o', 'ServerAliveInterval=1m', '-o', 'ServerAliveCountMax=5', 'host'])).toMatchObject({ serverAliveIntervalMs: 60_000, serverAliveCountMax: 5 });
    expect(parseSshArgs(['-o', 'ServerAliveInterval=0', 'host'])).toMatchObject({ serverAliveIntervalMs: 0, serverAliveCountMax: 3 });
    expect(() => parseSshArgs(['-o', 'ServerAliveInterval=soon', 'host'])).toThrow(UsageError);
    expect(() => parseSshArgs(['-o', 'ServerAliveCountMax=-1', 'host'])).toThrow(UsageError);
  });
});
