// ~^Z in `tessera ssh`, as in ssh(1) 9.2 (clientloop.c client_suspend_self): run from an interactive shell with job
// control (bash -i on the terminal script(1) provides), ~^Z stops the client as a job and gives the terminal back in
// its normal mode; `fg` continues it in raw mode (so ~. works again without a newline being needed). Both clients are
// driven through the same keystrokes against sshd 9.2. Before, ~^Z was sent to the server as typed.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../peers/index.ts';
import { useCliTarget } from './cli-target.ts';

/** bash -i on a fresh terminal; `until` waits for its output (killed by pid after 90 s). */
function shell() {
  const child = spawn('/usr/bin/script', ['-qec', 'bash --norc --noprofile -i', '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TERM: 'xterm' },
  });
  child.stdin.on('error', () => undefined); // the final ^D may find the shell gone
  let out = '';
  const waiters = new Set<() => void>();
  child.stdout.on('data', (d: Buffer) => { out += d.toString('latin1'); for (const w of [...waiters]) w(); });
  const timer = setTimeout(() => { if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL'); }, 90_000);
  const closed = new Promise<void>((resolve) => child.once('close', () => { clearTimeout(timer); for (const w of [...waiters]) w(); resolve(); }));
  return {
    write: (text: string) => { child.stdin.write(Buffer.from(text, 'latin1')); },
    /** Resolves once the output after `from` matches; rejects if the shell ends first. */
    until: (pattern: RegExp, from = 0) => new Promise<number>((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(out.slice(from));
        if (m) { waiters.delete(check); resolve(from + m.index + m[0].length); return; }
        if (child.exitCode !== null || child.signalCode !== null) { waiters.delete(check); reject(new Error(`the shell ended before ${pattern}:\n${out}`)); }
      };
      waiters.add(check);
      check();
    }),
    closed,
    output: () => out,
  };
}

describe('~^Z suspends the client', () => {
  const t = useCliTarget();
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;

  async function suspendAndResume(command: readonly string[]): Promise<string> {
    const sh = shell();
    try {
      let at = await sh.until(/[$#] $/);
      sh.write(`${command.map(quote).join(' ')}\r`);
      sh.write('hello\r');
      at = await sh.until(/hello\r+\n[^]*hello\r+\n/, at); // \r\r\n from tessera: Node's raw mode keeps ONLCR
      sh.write('~\x1a');
      at = await sh.until(/Stopped/, at);
      at = await sh.until(/[$#] $/, at);
      sh.write('fg\r');
      sh.write('again\r');
      at = await sh.until(/again\r+\n[^]*again\r+\n/, at);
      // No newline after: ends the session only once fg gave raw mode back (typed a moment early, the bytes wait in
      // the terminal's line buffer and reach the client when raw mode returns).
      sh.write('~.');
      at = await sh.until(/[$#] $/, at);
      sh.write('echo "status=$?"\r');
      await sh.until(/status=\d+/, at);
      sh.write('exit\r');
      await sh.closed;
      return sh.output();
    } finally {
      sh.write('\x04');
    }
  }

  it('tessera ssh: stopped as a job, continued by fg in raw mode, then ~. ends it (255)', { timeout: 120_000 }, async () => {
    const out = await suspendAndResume([process.execPath, join(repoRoot, 'cli', 'tessera.js'), 'ssh', '-t', ...t.base, '--', 'cat -v']);
    expect(out).toContain('~^Z [suspend ssh]');
    expect(out).toContain('status=255');
  });

  it('ssh(1) does the same with the same keystrokes', { timeout: 120_000 }, async () => {
    const out = await suspendAndResume(['/usr/bin/ssh', '-F', '/dev/null', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${t.knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-i', t.key.privatePath, '-p', String(t.sshd.port), '-t', `${t.sshd.user}@127.0.0.1`, 'cat -v']);
    expect(out).toContain('~^Z [suspend ssh]');
    expect(out).toContain('status=255');
  });
});
