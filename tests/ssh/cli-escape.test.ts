// ssh(1)'s escape sequences in `tessera ssh`, checked against /usr/bin/ssh 9.2 on the same sshd: with a pty (-tt
// here, stdin a pipe), the escape character right after a newline (or first) starts a command: ~. ends a hung session
// (exit 255, "Connection to HOST closed."), ~? lists the escapes, ~~ sends one ~, an escape ssh(1) does not know goes
// out as typed, a ~ in mid-line is data. -e changes the character, -e none and sessions without a pty are transparent.
// Before, every escape was sent to the server: nothing could drop a session whose server stopped answering.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EscapeFilter, parseEscapeChar } from '../../cli/escape-filter.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { repoRoot } from '../peers/index.ts';
import { startFreezingProxy } from '../support/index.ts';
import { useCliTarget } from './cli-target.ts';

interface Live {
  write(text: string): void;
  end(): void;
  /** Resolves once stdout (or stderr) satisfies `test`; rejects if the process ends first. */
  until(stream: 'stdout' | 'stderr', test: (text: string) => boolean): Promise<void>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** A client process with piped stdio, killed by its pid after 60 s. */
function live(command: string, args: readonly string[]): Live {
  const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const text = { stdout: '', stderr: '' };
  const waiters = new Set<() => void>();
  const changed = () => { for (const w of [...waiters]) w(); };
  child.stdout.on('data', (d: Buffer) => { text.stdout += d.toString('latin1'); changed(); });
  child.stderr.on('data', (d: Buffer) => { text.stderr += d.toString('latin1'); changed(); });
  const timer = setTimeout(() => { if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL'); }, 60_000);
  let ended = false;
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => { clearTimeout(timer); ended = true; changed(); resolve({ code, ...text }); });
  });
  return {
    write: (t) => { child.stdin.write(Buffer.from(t, 'latin1')); },
    end: () => { child.stdin.end(); },
    until: (stream, test) => new Promise<void>((resolve, reject) => {
      const check = () => {
        if (test(text[stream])) { waiters.delete(check); resolve(); return; }
        if (ended) { waiters.delete(check); reject(new Error(`ended before the expected ${stream}; stdout:\n${text.stdout}\nstderr:\n${text.stderr}`)); }
      };
      waiters.add(check);
      check();
    }),
    done,
  };
}

/**
 * The lines of stdout, sorted: the pty echoes each typed line and `cat -v` prints it, so each appears twice (CR LF
 * ended), echoes and output interleaved as the pieces happen to arrive.
 */
const lines = (stdout: string) => stdout.split('\r\n').filter((l) => l !== '').sort();

describe('escape sequences: the filter', () => {
  const run = (input: string, c = 0x7e) => new EscapeFilter(c).push(Buffer.from(input, 'latin1')).map((p) => (p instanceof Uint8Array ? Buffer.from(p).toString('latin1') : p));

  it('only after a newline or first; ~~ is one ~; an unknown escape goes out whole', () => {
    expect(run('~.')).toEqual([{ type: 'terminate' }]);
    expect(run('ab~.\r~?x')).toEqual(['ab~.\r', { type: 'help' }, 'x']);
    expect(run('\n~~x~.')).toEqual(['\n~x~.']);
    expect(run('\r~Q\n~B~R')).toEqual(['\r~Q\n', { type: 'break' }, { type: 'rekey' }]);
    expect(run('\n~&')).toEqual(['\n', { type: 'unsupported', sequence: '~&', note: 'tessera ssh cannot go to the background' }]);
    expect(run('x\n%.', 0x25)).toEqual(['x\n', { type: 'terminate' }]);
  });

  it('-e and EscapeChar values: a character, ^X, none; anything else refused', () => {
    expect(parseEscapeChar('%')).toBe(0x25);
    expect(parseEscapeChar('^]')).toBe(0x1d);
    expect(parseEscapeChar('none')).toBe('none');
    expect(parseEscapeChar('ab')).toBeUndefined();
    expect(parseEscapeChar('')).toBeUndefined();
  });
});

describe('escape sequences: tessera ssh and ssh(1) against sshd 9.2', () => {
  const t = useCliTarget();
  const tessera = (args: readonly string[]) => live(process.execPath, [join(repoRoot, 'cli', 'tessera.js'), 'ssh', ...args, ...t.base, '--', 'cat -v']);
  const openssh = (args: readonly string[]) => live('/usr/bin/ssh', ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${t.knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-i', t.key.privatePath, '-p', String(t.sshd.port), ...args, `${t.sshd.user}@127.0.0.1`, 'cat -v']);

  /** Types lines with escapes, waits for cat's answers, then ~. drops the session. */
  async function session(client: Live, escape = '~'): Promise<{ code: number | null; lines: string[]; stderr: string }> {
    const e = escape;
    client.write(`a${e}b\r${e}${e}c\r${e}Qd\rx${e}.y\r`);
    await client.until('stdout', (s) => lines(s).filter((l) => l === 'x~.y'.replace(/~/g, e)).length === 2);
    client.write(`${e}?`);
    await client.until('stderr', (s) => s.includes('Supported escape sequences:\r\n'));
    client.write(`${e}.`);
    const r = await client.done;
    return { code: r.code, lines: lines(r.stdout), stderr: r.stderr };
  }

  it('~? ~~ ~. as ssh(1): the same data reaches the command, the session drops with 255', { timeout: 120_000 }, async () => {
    const expected = ['a~b', 'a~b', '~c', '~c', '~Qd', '~Qd', 'x~.y', 'x~.y'].sort();
    const ours = await session(tessera(['-tt']));
    expect(ours.lines).toEqual(expected);
    expect(ours.stderr).toContain('~?\r\nSupported escape sequences:\r\n ~.   - terminate connection\r\n');
    expect(ours.stderr.endsWith('Connection to 127.0.0.1 closed.\r\n')).toBe(true);
    expect(ours.code).toBe(255);
    const theirs = await session(openssh(['-tt']));
    expect(theirs.lines).toEqual(expected);
    expect(theirs.stderr.endsWith('Connection to 127.0.0.1 closed.\r\n')).toBe(true);
    expect(theirs.code).toBe(255);
  });

  it('-e % moves the escape to %, as ssh(1)', { timeout: 120_000 }, async () => {
    const expected = ['a%b', 'a%b', '%c', '%c', '%Qd', '%Qd', 'x%.y', 'x%.y'].sort();
    const ours = await session(tessera(['-tt', '-e', '%']), '%');
    expect(ours.lines).toEqual(expected);
    expect(ours.stderr).toContain('%?\r\nSupported escape sequences:\r\n %.   - terminate connection\r\n');
    expect(ours.code).toBe(255);
    const theirs = await session(openssh(['-tt', '-e', '%']), '%');
    expect(theirs.lines).toEqual(expected);
    expect(theirs.code).toBe(255);
  });

  it('~. drops a session whose connection went silent (a proxy stops forwarding both ways)', { timeout: 120_000 }, async () => {
    const proxy = await startFreezingProxy(t.sshd.port);
    try {
      const knownHosts = join(t.dir, 'known_hosts_escape_proxy');
      writeFileSync(knownHosts, readFileSync(t.knownHosts, 'utf8').replaceAll(`]:${t.sshd.port} `, `]:${proxy.port} `));
      const client = live(process.execPath, [join(repoRoot, 'cli', 'tessera.js'), 'ssh', '-tt', '--known-hosts', knownHosts, '-i', t.key.privatePath,
        '-p', String(proxy.port), `${t.sshd.user}@127.0.0.1`, '--', 'cat -v']);
      client.write('hello\r');
      await client.until('stdout', (s) => lines(s).filter((l) => l === 'hello').length === 2);
      proxy.freeze();
      client.write('typed into the void\r~.');
      const r = await client.done;
      expect(r.code).toBe(255);
      expect(r.stderr.endsWith('Connection to 127.0.0.1 closed.\r\n')).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('~R renews the keys (-v reports it), the session goes on', { timeout: 120_000 }, async () => {
    const client = tessera(['-tt', '-v']);
    client.write('before\r');
    await client.until('stdout', (s) => lines(s).filter((l) => l === 'before').length === 2);
    client.write('~R');
    await client.until('stderr', (s) => s.includes('Key exchange renewed'));
    client.write('after\r');
    await client.until('stdout', (s) => lines(s).filter((l) => l === 'after').length === 2);
    client.write('~.');
    expect((await client.done).code).toBe(255);
  });

  it('-e none, and a session without a pty: ~. is data; the command ends on its own', { timeout: 120_000 }, async () => {
    const none = tessera(['-tt', '-e', 'none']);
    none.write('~.\r~?\r\x04'); // ^D at the start of a line: the pty's end of input
    const r = await none.done;
    expect(lines(r.stdout)).toEqual(['~.', '~.', '~?', '~?']);
    expect(r.code).toBe(0);
    const plain = tessera(['-T']);
    plain.write('~.\n~?\n');
    plain.end(); // without a pty the end of stdin reaches cat
    const q = await plain.done;
    expect(q.stdout).toBe('~.\n~?\n');
    expect(q.stderr).toBe('');
    expect(q.code).toBe(0);
  });
});
