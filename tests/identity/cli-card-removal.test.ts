// `tessera ssh --card sim:PROFILE` as a real process against sshd 9.2: the simulated PIV card (in the CLI's own
// virtual reader, keys made at its start) logs in, then is pulled out mid-session (`kill -USR2 PID`, the sim's
// removal switch): the session ends at once with a clear sentence and a non-zero exit status.
// sshd authorizes the key the card offers (AuthorizedKeysCommand echoes it back: the sim's keys are new per process).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARD_REMOVED_MESSAGE } from '../../identity/index.ts';
import { makeTempDir, removeTempDir, startSshd, type SshServerPeer } from '../peers/index.ts';
import { startTesseraSsh } from './cli-run.ts';
import { READER_PROFILE } from './stack.ts';

let sshd: SshServerPeer;
let dir: string;
beforeAll(async () => {
  dir = makeTempDir('tessera-identity-removal-');
  sshd = await startSshd({ version: '9.2', config: { AuthorizedKeysCommand: '/bin/echo %t %k', AuthorizedKeysCommandUser: 'nobody' } });
}, 60_000);
afterAll(async () => {
  await sshd?.stop();
  if (dir) removeTempDir(dir);
});

describe('tessera ssh --card: removing the card ends the session', () => {
  it('logs in with the card, then exits non-zero with the removal sentence when the card is pulled out', { timeout: 60_000 }, async () => {
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, sshd.knownHosts());
    const cli = startTesseraSsh(['--card', `sim:${READER_PROFILE.id}`, '-p', String(sshd.port), '--known-hosts', knownHosts, '-v',
      `${sshd.user}@127.0.0.1`, '--', 'echo card-session-ready; sleep 30; echo still-running']);
    try {
      await cli.waitForStderr(/PIN for .*\(3 tries left\): /, 30_000);
      cli.child.stdin!.write('123456\n');
      await cli.waitForStderr(/Connected to /, 20_000);
      // The remote command runs: wait for its first line on stdout.
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no output from the session; stderr:\n${cli.stderr()}`)), 20_000);
        const check = (d: Buffer) => { if (d.toString().includes('card-session-ready')) { clearTimeout(t); cli.child.stdout!.off('data', check); resolve(); } };
        cli.child.stdout!.on('data', check);
      });
      const pulledAt = Date.now();
      process.kill(cli.child.pid!, 'SIGUSR2');
      const run = await cli.done;
      expect(run.stderr).toContain(`tessera: ${CARD_REMOVED_MESSAGE}`);
      expect(CARD_REMOVED_MESSAGE).toBe('The card was removed. The session that used it was ended.');
      // The removal sentence is the last word: no generic "connection closed" after it; ssh(1)'s 255 for a lost session.
      expect(run.stderr.trimEnd().split('\n').filter((l) => !/^tessera: Connection closed/.test(l)).at(-1)).toBe(`tessera: ${CARD_REMOVED_MESSAGE}`);
      expect(run.code).toBe(255);
      expect(run.stdout).toContain('card-session-ready');
      expect(run.stdout).not.toContain('still-running');
      // Ended by the removal, not by the remote `sleep 30` finishing.
      expect(Date.now() - pulledAt).toBeLessThan(20_000);
    } finally {
      if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
    }
  });

  it('a session that ends normally exits with the remote status: watching the card does not keep the process alive', { timeout: 60_000 }, async () => {
    const knownHosts = join(dir, 'known_hosts_normal');
    writeFileSync(knownHosts, sshd.knownHosts());
    const cli = startTesseraSsh(['--card', `sim:${READER_PROFILE.id}`, '-p', String(sshd.port), '--known-hosts', knownHosts,
      `${sshd.user}@127.0.0.1`, '--', 'echo card-ok; exit 3']);
    await cli.waitForStderr(/PIN for .*: /, 30_000);
    cli.child.stdin!.end('123456\n');
    const run = await cli.done;
    expect(run.stdout).toBe('card-ok\n');
    expect(run.code).toBe(3);
    expect(run.stderr).not.toContain(CARD_REMOVED_MESSAGE);
  });
});
