// `tessera ssh` as a user runs it: a real process, real sshd, known_hosts files on disk.
// The remote exit status becomes its own; host keys are checked (unknown refused unless
// --accept-new; a changed key always refused, with the fingerprint ssh-keygen prints).
import { spawn, execFileSync, type ChildProcessByStdio } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type RelayHandle } from '../../relay/index.ts';
import { generateKey, makeTempDir, removeTempDir, repoRoot, startSshd, type KeyPair, type SshServerPeer } from '../peers/index.ts';
import { O_NONBLOCK, openFifo, sha256Of, watchStatusFlags } from '../support/index.ts';

interface Run { code: number | null; stdout: Buffer; stderr: string }

/** Collects a child's output until it closes; it is killed by pid after 40 s. */
function collect(child: ChildProcessByStdio<Writable | null, Readable, Readable>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    const timer = setTimeout(() => { if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL'); }, 40_000);
    child.once('error', reject);
    child.once('close', (code) => { clearTimeout(timer); resolve({ code, stdout: Buffer.concat(out), stderr: err }); });
  });
}

function tessera(args: readonly string[]): Promise<Run> {
  return collect(spawn(process.execPath, [join(repoRoot, 'cli', 'tessera.js'), 'ssh', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
}

describe('tessera ssh', () => {
  let dir: string;
  let key: KeyPair;
  let sshd: SshServerPeer;
  let relay: RelayHandle;
  let base: string[];
  let payload64: Buffer | undefined;
  beforeAll(async () => {
    dir = makeTempDir();
    chmodSync(dir, 0o755); // the test account reads the payload file below
    key = generateKey(dir, 'user', 'ed25519');
    sshd = await startSshd({ authorizedKeys: [key.publicLine] });
    relay = await startRelay({
      config: { listen: { host: '127.0.0.1', port: 0 }, targets: { allow: [`127.0.0.1:${sshd.port}`] }, static: { dir: null }, limits: { pingIntervalMs: 0 } },
      log: () => undefined,
    });
    base = ['-i', key.privatePath, '-p', String(sshd.port), `${sshd.user}@127.0.0.1`];
  });
  afterAll(async () => {
    await relay?.close({ drainMs: 0 });
    await sshd?.stop();
    removeTempDir(dir);
  });

  const knownHostsFile = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };

  it('runs a command on a known host and exits with its status', { timeout: 60_000 }, async () => {
    const kh = knownHostsFile('kh_known', sshd.knownHosts());
    const logged = sshd.log().length;
    const run = await tessera(['--known-hosts', kh, ...base, '--', 'echo hello from $(hostname -s >/dev/null; echo sshd); exit 7']);
    expect(run.stdout.toString()).toBe('hello from sshd\n');
    expect(run.code).toBe(7);
    // Output not to a terminal (here a socket): an 8 MiB channel window (cli/ssh-session.ts BULK_WINDOW), as sshd saw it (DEBUG1).
    expect(sshd.log().slice(logged)).toMatch(/ctype session rchan \d+ win 8388608 max 32768/);
  });

  it('a remote command killed by a signal gives 128 + its number', { timeout: 60_000 }, async () => {
    const kh = knownHostsFile('kh_signal', sshd.knownHosts());
    const run = await tessera(['--known-hosts', kh, ...base, '--', 'kill -TERM $$']);
    expect(run.code).toBe(143);
    expect(run.stderr).toContain('signal TERM');
  });

  it('refuses an unknown host and prints its fingerprint', { timeout: 60_000 }, async () => {
    const kh = knownHostsFile('kh_empty', '');
    const run = await tessera(['--known-hosts', kh, '-o', 'HostKeyAlgorithms=ssh-ed25519', ...base, '--', 'true']);
    expect(run.code).toBe(255);
    const ed = sshd.hostKeys.find((h) => h.key.type === 'ed25519');
    const fingerprint = execFileSync('ssh-keygen', ['-lf', ed?.key.publicPath ?? '']).toString().split(' ')[1];
    expect(run.stderr).toContain(`fingerprint is ${fingerprint}`);
    expect(run.stderr).toContain('HOST_KEY_UNKNOWN');
  });

  it('refuses a changed host key with the OpenSSH-style warning', { timeout: 60_000 }, async () => {
    const impostor = generateKey(dir, 'impostor', 'ed25519');
    const [algo, b64] = impostor.publicLine.split(' ');
    const kh = knownHostsFile('kh_changed', `[127.0.0.1]:${sshd.port} ${algo} ${b64}\n`);
    const run = await tessera(['--known-hosts', kh, '--accept-new', ...base, '--', 'true']);
    expect(run.code).toBe(255);
    expect(run.stderr).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    const ed = sshd.hostKeys.find((h) => h.key.type === 'ed25519');
    const fingerprint = execFileSync('ssh-keygen', ['-lf', ed?.key.publicPath ?? '']).toString().split(' ')[1];
    expect(run.stderr).toContain(`${fingerprint}.`);
    expect(run.stderr).toContain(`${kh}:1`);
  });

  it('--accept-new records an unknown host, which is then known', { timeout: 90_000 }, async () => {
    const kh = knownHostsFile('kh_new', '');
    const first = await tessera(['--known-hosts', kh, '--accept-new', ...base, '--', 'echo first']);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('Permanently added');
    expect(readFileSync(kh, 'utf8')).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} ssh-`));
    const second = await tessera(['--known-hosts', kh, ...base, '--', 'echo second']);
    expect(second.stdout.toString()).toBe('second\n');
    expect(second.code).toBe(0);
  });

  it('on a terminal: a pty of the terminal\'s size, resized on SIGWINCH (script(1) provides the tty)', { timeout: 60_000 }, async () => {
    const kh = knownHostsFile('kh_tty', sshd.knownHosts());
    // The remote command (same machine) drops a marker once it printed the first size; a background
    // job then resizes the local terminal, which sends SIGWINCH to `tessera ssh`. The command waits (up to 30 s)
    // for its pty to change size before printing it again: how long the resize takes to arrive depends on the load.
    const sync = join(dir, 'tty-sync');
    mkdirSync(sync, { mode: 0o777 });
    chmodSync(sync, 0o777);
    const marker = join(sync, 'first-size-printed');
    const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
    const cli = [process.execPath, join(repoRoot, 'cli', 'tessera.js'), 'ssh', '-t', '--known-hosts', kh, ...base, '--',
      `stty size; tty; touch ${marker}; i=0; while [ "$(stty size)" = "33 111" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; stty size; exit 4`].map(quote).join(' ');
    const resize = `(trap '' TTOU; while [ ! -e ${quote(marker)} ]; do sleep 0.1; done; stty cols 120 rows 40 </dev/tty) &`;
    const logged = sshd.log().length;
    const run = await collect(spawn('/usr/bin/script', ['-qec', `stty cols 111 rows 33; ${resize} ${cli}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] }));
    // A terminal session keeps the 2 MiB window (less output in flight after Ctrl+C).
    expect(sshd.log().slice(logged)).toMatch(/ctype session rchan \d+ win 2097152 max 32768/);
    // So does a command without a pty whose output goes to the terminal.
    const plain = sshd.log().length;
    const noPty = await collect(spawn('/usr/bin/script', ['-qec', [process.execPath, join(repoRoot, 'cli', 'tessera.js'), 'ssh', '--known-hosts', kh, ...base, '--', 'tty; exit 3'].map(quote).join(' '), '/dev/null'],
      { stdio: ['pipe', 'pipe', 'pipe'] }));
    expect(noPty.stdout.toString()).toContain('not a tty');
    expect(noPty.code).toBe(3);
    expect(sshd.log().slice(plain)).toMatch(/ctype session rchan \d+ win 2097152 max 32768/);
    // Two ptys in a row turn "\n" into "\r\r\n"; script(1) may prefix a NUL.
    const lines = run.stdout.toString().split(/[\r\n]+/).map((l) => l.replace(/[^\x20-\x7e]/g, ''));
    expect(lines.filter((l) => /^\d+ \d+$/.test(l))).toEqual(['33 111', '40 120']);
    expect(lines.some((l) => /^\/dev\/pts\/\d+$/.test(l))).toBe(true);
    expect(run.code).toBe(4);
  });

  it.each(['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr'])(
    '%s: 64 MiB of `cat` arrive intact (SHA-256) through the node:crypto backend', { timeout: 90_000 }, async (cipher) => {
      const file = join(dir, 'payload-64m.bin');
      if (!payload64) { payload64 = randomBytes(64 * 1024 * 1024); writeFileSync(file, payload64, { mode: 0o644 }); }
      const kh = knownHostsFile('kh_ciphers', sshd.knownHosts());
      const run = await tessera(['-v', '-o', `Ciphers=${cipher}`, '--known-hosts', kh, ...base, '--', `cat ${file}`]);
      expect(run.stderr).toContain('Crypto backend node:crypto');
      expect(run.stderr).toContain(`ssh-ed25519, ${cipher}`);
      expect(run.code).toBe(0);
      expect(run.stdout.length).toBe(payload64.length);
      expect(createHash('sha256').update(run.stdout).digest('hex')).toBe(createHash('sha256').update(payload64).digest('hex'));
    });

  it.each(['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr'])(
    '%s: 16 MiB of stdin from a file arrive intact (the remote sha256sum), sealed in place on OpenSSL where it can', { timeout: 90_000 }, async (cipher) => {
      const payload = randomBytes(16 * 1024 * 1024);
      const file = join(dir, `upload-${cipher}.bin`);
      writeFileSync(file, payload);
      const kh = knownHostsFile('kh_upload', sshd.knownHosts());
      const stdin = openSync(file, 'r');
      try {
        const run = await collect(spawn(process.execPath, [join(repoRoot, 'cli', 'tessera.js'), 'ssh', '-o', `Ciphers=${cipher}`, '--known-hosts', kh, ...base, '--', 'sha256sum'],
          { stdio: [stdin, 'pipe', 'pipe'] }) as ChildProcessByStdio<null, Readable, Readable>);
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        expect(run.stdout.toString().split(' ')[0]).toBe(createHash('sha256').update(payload).digest('hex'));
      } finally {
        closeSync(stdin);
      }
    });

  it('a reader that goes away (EPIPE) ends the output, not the session: the remote command runs on and its status is kept', { timeout: 60_000 }, async () => {
    const kh = knownHostsFile('kh_epipe', sshd.knownHosts());
    const child = spawn(process.execPath, [join(repoRoot, 'cli', 'tessera.js'), 'ssh', '--known-hosts', kh, ...base, '--', 'head -c 33554432 /dev/zero; exit 7'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let first = 0;
    child.stdout.once('data', (d: Buffer) => { first = d.length; child.stdout.destroy(); }); // the reader's end closes
    const run = await collect(child);
    expect(first).toBeGreaterThan(0);
    expect(run.code).toBe(7);
  });

  it('output into a pipe, as `2>&1 | cmd` gives: 16 MiB intact through the thread-pool writers, and the pipe is left blocking', { timeout: 60_000 }, async () => {
    const payload = randomBytes(16 * 1024 * 1024);
    const file = join(dir, 'payload-pipe.bin');
    writeFileSync(file, payload, { mode: 0o644 });
    const kh = knownHostsFile('kh_pipe', sshd.knownHosts());
    const { readFd, writeFd } = openFifo(join(dir, 'stdout.fifo'), 'blocking');
    const digest = sha256Of(readFd, payload.length);
    // The flags belong to the pipe's open file description, which this process shares with the child: Node's
    // stdout or stderr stream would set O_NONBLOCK on it, for every process writing the pipe (cli/fd-writer.ts).
    // They are watched from before the connection until the last byte arrived; the command then waits a moment,
    // as Node's net module itself creates process.stderr when the connection's socket is destroyed at the end.
    const flags = watchStatusFlags(writeFd);
    const child = spawn(process.execPath, [join(repoRoot, 'cli', 'tessera.js'), 'ssh', '--known-hosts', kh, ...base, '--', `cat ${file}; sleep 1`], { stdio: ['ignore', writeFd, writeFd] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    const received = await Promise.race([digest, closed.then(() => 'closed before the output ended')]);
    const seen = flags.stop();
    const code = await closed;
    clearTimeout(timer);
    closeSync(writeFd);
    expect(code).toBe(0);
    expect(seen & O_NONBLOCK).toBe(0);
    // Any message on stderr would be in the pipe too.
    expect(received).toBe(createHash('sha256').update(payload).digest('hex'));
  });

  it('--relay: 16 MiB arrive intact through the relay (SHA-256)', { timeout: 90_000 }, async () => {
    const payload = randomBytes(16 * 1024 * 1024);
    const file = join(dir, 'payload.bin');
    writeFileSync(file, payload, { mode: 0o644 });
    const kh = knownHostsFile('kh_relay', sshd.knownHosts());
    const run = await tessera(['--relay', relay.url, '--known-hosts', kh, ...base, '--', `cat ${file}`]);
    expect(run.code).toBe(0);
    expect(createHash('sha256').update(run.stdout).digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
  });
});
