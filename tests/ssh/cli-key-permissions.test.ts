// A private key file that others can read is refused, as ssh(1) refuses it (authfile.c sshkey_perm_ok:
// "UNPROTECTED PRIVATE KEY FILE!", then "Load key ...: bad permissions"): the key is skipped, not used.
import { chmodSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliTarget } from './cli-target.ts';
import { runOpenSsh } from '../peers/index.ts';
import { runTesseraSsh } from '../identity/cli-run.ts';

describe('tessera ssh -i: private key file permissions', () => {
  const target = useCliTarget();

  const withMode = (mode: number) => {
    const path = join(target.dir, `key-${mode.toString(8)}`);
    copyFileSync(target.key.privatePath, path);
    chmodSync(path, mode);
    return path;
  };
  const tessera = (identity: string) => runTesseraSsh(['--known-hosts', target.knownHosts, '-i', identity, '-p', String(target.sshd.port), `${target.sshd.user}@127.0.0.1`, '--', 'echo in']);

  it.each(['644', '640', '604'])('mode %s: refused like OpenSSH, the key is not used, exit 255', { timeout: 60_000 }, async (mode) => {
    const path = withMode(parseInt(mode, 8));
    const openssh = await runOpenSsh(target.sshd, { identity: path, command: 'echo in' });
    expect(openssh.stderr).toContain('UNPROTECTED PRIVATE KEY FILE');
    expect(openssh.code).toBe(255);
    const run = await tessera(path);
    expect(run.stderr).toContain('UNPROTECTED PRIVATE KEY FILE');
    expect(run.stderr).toContain(`Permissions 0${mode} for '${path}' are too open.`);
    expect(run.stdout).toBe('');
    expect(run.code).toBe(255);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('mode 600 and 400: used', { timeout: 60_000 }, async () => {
    for (const mode of [0o600, 0o400]) {
      const run = await tessera(withMode(mode));
      expect(run.stdout).toBe('in\n');
      expect(run.code).toBe(0);
    }
  });
});
