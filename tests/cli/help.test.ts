// `tessera --help` and `tessera <command> --help` as a user meets them: help goes to stdout with exit 0;
// a usage mistake goes to stderr with the usage text, exit 2 (`tessera ssh`: 255, as ssh(1)).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../peers/index.ts';

function tessera(...args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'cli', 'tessera.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('tessera help', () => {
  it('lists every command with what it does', () => {
    const r = tessera('--help');
    expect(r.code).toBe(0);
    for (const name of ['atr', 'card', 'demo', 'pki', 'relay', 'ssh']) expect(r.stdout).toMatch(new RegExp(`^  ${name}\\s+\\S`, 'm'));
  });

  it('describes each command\'s options on stdout with exit 0', { timeout: 120_000 }, () => {
    const ssh = tessera('ssh', '--help');
    expect(ssh.code).toBe(0);
    for (const option of ['-p PORT', '-i FILE', '--relay', '--known-hosts', '--card usb|sim:PROFILE', '--card-ca', '--host-ca']) expect(ssh.stdout).toContain(option);
    for (const args of [['atr', '--help'], ['card', '--help'], ['pki', '--help'], ['relay', '--help'], ['demo', '--help']]) {
      const r = tessera(...args);
      expect({ args, code: r.code }).toEqual({ args, code: 0 });
      expect(r.stdout).toMatch(/^usage: tessera /);
    }
  });

  it('a usage mistake exits with the usage on stderr: 2, and for ssh 255 as ssh(1) (0-254 stay the remote command\'s)', { timeout: 60_000 }, () => {
    const r = tessera('ssh');
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/^tessera ssh: usage: tessera ssh /);
    const unknown = tessera('ssh', '--frobnicate', 'host');
    expect(unknown.code).toBe(255);
    expect(unknown.stderr).toContain('unknown option --frobnicate');
    const pki = tessera('pki', '--frobnicate');
    expect(pki.code).toBe(2);
  });
});
