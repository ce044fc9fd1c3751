// The sshd (9.2) that the `tessera ssh` command's process tests sign in to: a user key it accepts, a known_hosts
// that names it, and the arguments that reach it. Started in beforeAll, stopped by its pid in afterAll.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { generateKey, makeTempDir, removeTempDir, startSshd, type KeyPair, type SshServerPeer } from '../peers/index.ts';

export interface CliTarget {
  readonly dir: string;
  readonly key: KeyPair;
  readonly sshd: SshServerPeer;
  readonly knownHosts: string;
  /** `--known-hosts FILE -i KEY -p PORT user@127.0.0.1`: append `--` and the command. */
  readonly base: readonly string[];
}

/** Registers the hooks; the fields are set once beforeAll ran (read them inside the tests). */
export function useCliTarget(): CliTarget {
  const t = {} as { -readonly [K in keyof CliTarget]: CliTarget[K] };
  beforeAll(async () => {
    t.dir = makeTempDir();
    t.key = generateKey(t.dir, 'user', 'ed25519');
    t.sshd = await startSshd({ authorizedKeys: [t.key.publicLine] });
    t.knownHosts = join(t.dir, 'known_hosts');
    writeFileSync(t.knownHosts, t.sshd.knownHosts());
    t.base = ['--known-hosts', t.knownHosts, '-i', t.key.privatePath, '-p', String(t.sshd.port), `${t.sshd.user}@127.0.0.1`];
  });
  afterAll(async () => {
    await t.sshd?.stop();
    if (t.dir) removeTempDir(t.dir);
  });
  return t;
}
