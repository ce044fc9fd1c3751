// `tessera ssh --profile NAME --profiles FILE` and `--card-cert FILE|URL` as real processes against sshd 9.2, with the
// simulated card (`--card sim:PROFILE`, keys made at the CLI's start). The profile login is authorized by
// AuthorizedKeysCommand echoing the offered key back; the certificate logins go to an sshd that trusts only a user
// CA (TrustedUserCAKeys, empty authorized_keys): the test reads the card key the CLI prints, signs a certificate
// for it with ssh-keygen, and hands it over through a named pipe (the file case) or a local HTTP server (the URL
// case), both of which the CLI reads only after printing the key.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSshArgs } from '../../cli/ssh.ts';
import { requireExecutable } from '../support/index.ts';
import { provisionPivCard } from '../../sim/index.ts';
import { generateKey, makeTempDir, removeTempDir, signCertificate, startSshd, type KeyPair, type SshServerPeer } from '../peers/index.ts';
import { startTesseraSsh, type CliProcess } from './cli-run.ts';
import { READER_PROFILE } from './stack.ts';

let echoSshd: SshServerPeer;
let caSshd: SshServerPeer;
let userCa: KeyPair;
let dir: string;
beforeAll(async () => {
  dir = makeTempDir('tessera-identity-profiles-');
  userCa = generateKey(dir, 'user_ca', 'ed25519');
  [echoSshd, caSshd] = await Promise.all([
    startSshd({ version: '9.2', config: { AuthorizedKeysCommand: '/bin/echo %t %k', AuthorizedKeysCommandUser: 'nobody' } }),
    startSshd({ version: '9.2', config: { TrustedUserCAKeys: userCa.publicPath } }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([echoSshd?.stop(), caSshd?.stop()]);
  if (dir) removeTempDir(dir);
});

/** Signs a user certificate for the card key the CLI printed on stderr. */
async function certifyPrintedKey(cli: CliProcess, name: string): Promise<string> {
  await cli.waitForStderr(/PIV Authentication key: \S+ \S+\n/, 30_000);
  const line = /PIV Authentication key: (\S+ \S+)\n/.exec(cli.stderr())![1]!;
  const publicPath = join(dir, `${name}.pub`);
  writeFileSync(publicPath, `${line}\n`);
  return signCertificate(userCa, { publicPath } as KeyPair, { host: false, principals: [caSshd.user], identity: name }).line;
}

async function finishWithPin(cli: CliProcess) {
  await cli.waitForStderr(/PIN for .*: /, 30_000);
  cli.child.stdin!.end('123456\n');
  return cli.done;
}

function knownHostsFor(server: SshServerPeer, name: string): string {
  const path = join(dir, name);
  writeFileSync(path, server.knownHosts());
  return path;
}

describe('tessera ssh --profile', () => {
  it('a profile gives host, port, user, card, cardCa, auth and policy: the login works', { timeout: 60_000 }, async () => {
    const caFile = join(dir, 'extra-ca.der');
    writeFileSync(caFile, (await provisionPivCard()).ca.certificate);
    const profiles = join(dir, 'profiles.yaml');
    writeFileSync(profiles, [
      'lab:',
      '  host: 127.0.0.1',
      `  port: ${echoSshd.port}`,
      `  user: ${echoSshd.user}`,
      `  card: sim:${READER_PROFILE.id}`,
      `  cardCa: [${caFile}]`,
      `  knownHosts: ${knownHostsFor(echoSshd, 'kh-profile')}`,
      '  auth: [publickey]',
      '  policy: { revocation: off, allowSha1: false }',
      '',
    ].join('\n'));
    const run = await finishWithPin(startTesseraSsh(['--profile', 'lab', '--profiles', profiles, '--', 'echo profile-ok']));
    expect(run.stdout).toBe('profile-ok\n');
    expect(run.code).toBe(0);
  });

  it('command-line options override the profile (parseSshArgs)', () => {
    const profiles = join(dir, 'override.json');
    writeFileSync(profiles, JSON.stringify({ p: { host: 'a.example', port: 2200, user: 'alice', card: 'usb', cardCa: ['x.pem'], certificate: 'c.pub' } }));
    const fromProfile = parseSshArgs(['--profiles', profiles, '--profile', 'p']);
    expect(fromProfile).toMatchObject({ host: 'a.example', port: 2200, user: 'alice', card: { spec: 'usb', caFiles: ['x.pem'], certificate: 'c.pub' } });
    const overridden = parseSshArgs(['--profiles', profiles, '--profile', 'p', '-p', '22', '--card-ca', 'y.pem', '--card-cert', 'https://ca/c.pub', 'bob@b.example', 'true']);
    expect(overridden).toMatchObject({ host: 'b.example', port: 22, user: 'bob', command: 'true', card: { spec: 'usb', caFiles: ['y.pem'], certificate: 'https://ca/c.pub' } });
  });

  it('an unknown field, a wrong type and a missing profile exit 255 (ssh(1)\'s usage status) with a sentence naming the file, profile and field', { timeout: 30_000 }, async () => {
    const profiles = join(dir, 'bad.yaml');
    writeFileSync(profiles, 'lab:\n  host: h\n  hostname: typo\nports:\n  port: "22"\n');
    const unknown = await finishOrExit(startTesseraSsh(['--profiles', profiles, '--profile', 'lab']));
    expect(unknown.code).toBe(255);
    expect(unknown.stderr).toContain(`The profile 'lab' in ${profiles} has an unknown field 'hostname'`);
    const wrongType = await finishOrExit(startTesseraSsh(['--profiles', profiles, '--profile', 'ports']));
    expect(wrongType.code).toBe(255);
    expect(wrongType.stderr).toContain(`The profile 'ports' in ${profiles}: field 'port' must be a port number from 1 to 65535.`);
    const missing = await finishOrExit(startTesseraSsh(['--profiles', profiles, '--profile', 'nope']));
    expect(missing.code).toBe(255);
    expect(missing.stderr).toContain(`the profiles file ${profiles} has no profile 'nope' (it has: lab, ports).`);
  });
});

function finishOrExit(cli: CliProcess) {
  cli.child.stdin!.end();
  return cli.done;
}

describe('tessera ssh --card-cert: an OpenSSH user certificate for the card key', () => {
  it('from a file: sshd trusting only the user CA accepts the certificate', { timeout: 60_000 }, async () => {
    const fifo = join(dir, 'card-cert.pub');
    execFileSync(requireExecutable('/usr/bin/mkfifo', 'Debian coreutils'), [fifo]);
    const cli = startTesseraSsh(['--card', `sim:${READER_PROFILE.id}`, '--card-cert', fifo, '-p', String(caSshd.port),
      '--known-hosts', knownHostsFor(caSshd, 'kh-file'), `${caSshd.user}@127.0.0.1`, '--', 'echo cert-file-ok']);
    try {
      const cert = await certifyPrintedKey(cli, 'cli-card-file');
      // The CLI opens the pipe once the card is open: write when it does (O_NONBLOCK fails with ENXIO until then).
      const deadline = Date.now() + 20_000;
      let fd: number | undefined;
      while (fd === undefined) {
        try { fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK); } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENXIO' || Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      writeSync(fd, `${cert}\n`);
      closeSync(fd);
      const run = await finishWithPin(cli);
      expect(run.stdout).toBe('cert-file-ok\n');
      expect(run.code).toBe(0);
      expect(caSshd.log()).toMatch(/Accepted publickey for \S+ from .*-CERT SHA256:\S+ ID cli-card-file \(serial \d+\) CA /);
    } finally {
      if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
    }
  });

  it('from an http URL: the certificate is fetched and accepted', { timeout: 60_000 }, async () => {
    let cli: CliProcess | undefined;
    const requests: string[] = [];
    const server: Server = createServer((req, res) => {
      requests.push(req.url ?? '');
      certifyPrintedKey(cli!, 'cli-card-url').then(
        (cert) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(`${cert}\n`); },
        (err: Error) => { res.writeHead(500); res.end(err.message); },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/card-cert.pub`;
      cli = startTesseraSsh(['--card', `sim:${READER_PROFILE.id}`, '--card-cert', url, '-p', String(caSshd.port),
        '--known-hosts', knownHostsFor(caSshd, 'kh-url'), `${caSshd.user}@127.0.0.1`, '--', 'echo cert-url-ok']);
      const run = await finishWithPin(cli);
      expect(run.stdout).toBe('cert-url-ok\n');
      expect(run.code).toBe(0);
      expect(requests).toEqual(['/card-cert.pub']);
      expect(caSshd.log()).toMatch(/Accepted publickey for \S+ from .*-CERT SHA256:\S+ ID cli-card-url \(serial \d+\) CA /);
    } finally {
      if (cli && cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('an unreachable certificate URL is a usage error (exit 255, as ssh(1))', { timeout: 30_000 }, async () => {
    const run = await finishOrExit(startTesseraSsh(['--card', `sim:${READER_PROFILE.id}`, '--card-cert', 'http://127.0.0.1:1/c.pub', '-p', String(caSshd.port),
      '--known-hosts', knownHostsFor(caSshd, 'kh-bad'), `${caSshd.user}@127.0.0.1`, 'true']));
    expect(run.code).toBe(255);
    expect(run.stderr).toContain('cannot fetch the card certificate http://127.0.0.1:1/c.pub');
  });
});
