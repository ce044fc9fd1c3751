// `-t` with stdin not a terminal (a pipe): ssh(1) allocates no pty and says so ("Pseudo-terminal will not be
// allocated because stdin is not a terminal."); only -tt forces one. With a pty, piped input is echoed back with
// CR LF and its end never reaches the command (a pty's EOF is ^D), so `echo data | tessera ssh -t host cat` hung.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, makeTempDir, removeTempDir, startSshd, type KeyPair, type SshServerPeer } from '../peers/index.ts';
import { startTesseraSsh } from '../identity/cli-run.ts';

describe('tessera ssh -t with stdin a pipe', () => {
  let dir: string;
  let key: KeyPair;
  let sshd: SshServerPeer;
  let base: string[];
  beforeAll(async () => {
    dir = makeTempDir();
    key = generateKey(dir, 'user', 'ed25519');
    sshd = await startSshd({ authorizedKeys: [key.publicLine] });
    const kh = join(dir, 'known_hosts');
    writeFileSync(kh, sshd.knownHosts());
    base = ['--known-hosts', kh, '-i', key.privatePath, '-p', String(sshd.port), `${sshd.user}@127.0.0.1`];
  });
  afterAll(async () => {
    await sshd?.stop();
    removeTempDir(dir);
  });

  it('-t: no pty, as ssh(1): the data arrives as sent, its end too, and the status is kept', { timeout: 60_000 }, async () => {
    const cli = startTesseraSsh(['-t', ...base, '--', 'cat; exit 3'], 30_000);
    cli.child.stdin!.end('hello\n');
    const run = await cli.done;
    expect(run.stdout).toBe('hello\n');
    expect(run.stderr).toBe('Pseudo-terminal will not be allocated because stdin is not a terminal.\n');
    expect(run.code).toBe(3);
  });

  it('-tt: a pty all the same (the pty echoes the line and ends it with CR LF)', { timeout: 60_000 }, async () => {
    const cli = startTesseraSsh(['-tt', ...base, '--', 'head -1; exit 3'], 30_000);
    cli.child.stdin!.end('hello\n');
    const run = await cli.done;
    expect(run.stdout).toBe('hello\r\nhello\r\n');
    expect(run.code).toBe(3);
  });
});
