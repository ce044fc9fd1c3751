// `tessera ssh --card` reads the PIN from standard input, a terminal or a pipe (echo PIN | tessera ssh ...).
// When that input ends before a line was given (</dev/null, an empty pipe), the prompt ends with a sentence and
// exit 255, the card signs nothing; before, the prompt waited forever on the ended stream.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir, startSshd, type SshServerPeer } from '../peers/index.ts';
import { startTesseraSsh } from './cli-run.ts';
import { READER_PROFILE } from './stack.ts';

let sshd: SshServerPeer;
let dir: string;
beforeAll(async () => {
  dir = makeTempDir('tessera-identity-pin-eof-');
  // The sim's keys are new per process: sshd authorizes the key offered (as tests/identity/cli-card-removal.test.ts).
  sshd = await startSshd({ version: '9.2', config: { AuthorizedKeysCommand: '/bin/echo %t %k', AuthorizedKeysCommandUser: 'nobody' } });
}, 60_000);
afterAll(async () => {
  await sshd?.stop();
  if (dir) removeTempDir(dir);
});

describe('tessera ssh --card: the PIN prompt when standard input ends', () => {
  const start = (name: string) => {
    const knownHosts = join(dir, name);
    writeFileSync(knownHosts, sshd.knownHosts());
    return startTesseraSsh(['--card', `sim:${READER_PROFILE.id}`, '-p', String(sshd.port), '--known-hosts', knownHosts,
      `${sshd.user}@127.0.0.1`, '--', 'echo signed-in'], 30_000);
  };

  it('input ended with no PIN: a sentence, exit 255, nothing signed', { timeout: 60_000 }, async () => {
    const cli = start('known_hosts_eof');
    cli.child.stdin!.end();
    const run = await cli.done;
    expect(run.stderr).toMatch(/PIN for PIV Authentication \(3 tries left\): /);
    expect(run.stderr).toContain('tessera ssh: standard input ended before the PIN was given; nothing was signed.');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
    expect(run.code).toBe(255);
  });

  it('a refused PIN with standard input left open: the command ends (exit 255) instead of waiting on stdin', { timeout: 60_000 }, async () => {
    // (echo WRONG; sleep 600) | tessera ssh --card ...: the PIN is never retried, so nothing reads stdin again.
    const cli = start('known_hosts_open');
    cli.child.stdin!.write('000000\n');
    const run = await cli.done;
    cli.child.stdin!.destroy();
    expect(run.stderr).toMatch(/incorrect/i);
    expect(run.stderr).toMatch(/2 tries left/);
    expect(run.stdout).toBe('');
    expect(run.code).toBe(255); // before: still waiting when the harness killed it (null)
  });

  it('a PIN without a final newline (printf %s "$PIN" |) is the answer', { timeout: 60_000 }, async () => {
    const cli = start('known_hosts_unterminated');
    cli.child.stdin!.end('123456');
    const run = await cli.done;
    expect(run.stdout).toBe('signed-in\n');
    expect(run.code).toBe(0);
  });
});
