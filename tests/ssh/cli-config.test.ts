// `tessera ssh` reads ssh_config(5) files as ssh(1) 9.2 does, with `ssh -G -F FILE` (the settings ssh resolves, then
// exits; -F pins the file, so neither ~/.ssh/config nor /etc/ssh/ssh_config of this machine is read) as the oracle,
// compared field by field with `tessera ssh -G` for a corpus of configs: Host patterns, Match, Include, first value
// wins, the command line before the files, %tokens, quoting. Bad files are refused with the file and line, exit 255.
// Before, -F FILE was refused and no file was read at all.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/command.ts';
import { printConfig } from '../../cli/ssh-config-dump.ts';
import { defaultConfigSources, SshConfigError } from '../../cli/ssh-config.ts';
import { parseSshArgs } from '../../cli/ssh.ts';
import { makeTempDir, removeTempDir, repoRoot } from '../peers/index.ts';

type Dump = Map<string, string[]>;

function parseDump(text: string): Dump {
  const m: Dump = new Map();
  for (const l of text.split('\n').filter((x) => x !== '')) {
    const at = l.indexOf(' ');
    const k = l.slice(0, at);
    m.set(k, [...(m.get(k) ?? []), l.slice(at + 1)]);
  }
  return m;
}

/** `ssh -G -F file args`: throws when ssh refuses (exit 255). */
function theirs(file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Dump {
  return parseDump(execFileSync('/usr/bin/ssh', ['-G', '-F', file, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env }));
}

/** `tessera ssh -G -F file args`, in this process (parseSshArgs and the -G printer of the command). */
function ours(file: string, args: readonly string[]): Dump {
  return parseDump(printConfig(parseSshArgs(['-G', '-F', file, ...args])));
}

let dir = '';
let n = 0;
function config(text: string | Buffer): string {
  const f = join(dir, `config-${++n}`);
  writeFileSync(f, text);
  return f;
}

beforeAll(() => { dir = makeTempDir('tessera-sshcfg-'); });
afterAll(() => { if (dir) removeTempDir(dir); });

/** One config, the command lines to try, and the fields to compare (those Tessera prints, where both print them). */
const FIELDS = ['host', 'user', 'hostname', 'port'];
const corpus: { name: string; text: () => string; runs: string[][]; fields?: string[] }[] = [
  {
    name: 'a Host alias: HostName, User, Port, IdentityFile (they add up)',
    text: () => 'Host prod\n  HostName 10.1.2.3\n  User alice\n  Port 2222\n  IdentityFile ~/.ssh/prod_key\n  IdentityFile /keys/second\n',
    runs: [['prod'], ['-p', '2400', '-l', 'carol', 'prod'], ['-o', 'User=dave', '-o', 'Port=2500', 'prod'], ['erin@prod'], ['-i', '/dev/null', 'prod']],
    fields: [...FIELDS, 'identityfile'],
  },
  {
    name: 'first obtained value wins across blocks',
    text: () => 'Host *\n  Port 2300\nHost prod\n  Port 2200\n  User bob\nHost prod\n  User second\n',
    runs: [['prod'], ['x']],
  },
  {
    name: 'patterns: * ? !negation, several per line, case as written',
    text: () => 'Host *.example.com !bad.example.com\n  User ex\nHost web? db*\n  Port 2201\nHost PROD\n  Port 2202\n',
    runs: [['a.example.com'], ['bad.example.com'], ['web1'], ['webxx'], ['db7'], ['PROD'], ['prod']],
  },
  {
    name: 'Key=value, quotes, comments, keywords in any case',
    text: () => '# a comment\nport=2203\n  USER = "al ice"   # trailing\n\tSetEnv A="x y" B=z\nSendEnv LANG LC_*\nsendenv -LC_*\n  # Port 9\n',
    runs: [['h']],
    fields: [...FIELDS, 'setenv', 'sendenv'],
  },
  {
    name: 'Match originalhost, host (after HostName), user, localuser, all, negation',
    text: () => `Match originalhost alias\n  HostName m1.example.com\nMatch host *.example.com !localuser nobody\n  Port 2204\nMatch user root,alice localuser ${userInfo().username}\n  ServerAliveInterval 11\nMatch !host alias\n  User u2\nMatch all\n  ServerAliveCountMax 7\n`,
    runs: [['alias'], ['other'], ['-l', 'alice', 'alias'], ['-l', 'zed', 'other']],
    fields: [...FIELDS, 'serveraliveinterval', 'serveralivecountmax'],
  },
  {
    name: 'Match final: a second pass on the host name connected to (ssh.c), and case in the first pass',
    text: () => 'Host prod\n  HostName %h.Example.com\n  User alice\n  Port 2200\n  UserKnownHostsFile /kh/%h\nMatch final host prod.example.com\n  ServerAliveInterval 7\n  User late\nHost *\n  ServerAliveCountMax 9\n',
    runs: [['prod'], ['PROD']],
    fields: [...FIELDS, 'userknownhostsfile', 'serveraliveinterval', 'serveralivecountmax'],
  },
  {
    name: 'tokens in UserKnownHostsFile and IdentityFile, %h in HostName',
    text: () => 'Host t\n  HostName %h.example.com\n  UserKnownHostsFile ~/kh/%h-%p-%r-%n-%%-%C-%u-%l-%L-%i-%k-%d\n  IdentityFile ~/id_%h_%r\n',
    runs: [['t'], ['-l', 'bob', '-p', '2', 't']],
    fields: [...FIELDS, 'userknownhostsfile', 'identityfile'],
  },
  {
    name: 'IgnoreUnknown, ssh(1)\'s own obsolete keywords, the Debian defaults (GSSAPI, HashKnownHosts)',
    text: () => 'IgnoreUnknown UseKeychain,Foo*\nUseKeychain yes\nFooBar 1\nProtocol 2\nHost *\n  SendEnv LANG LC_*\n  HashKnownHosts yes\n  GSSAPIAuthentication yes\n  Port 2205\n',
    runs: [['h']],
    fields: [...FIELDS, 'sendenv'],
  },
  {
    name: 'keywords Tessera does not do are fine in blocks that do not apply',
    text: () => 'Host other\n  ProxyJump jump\n  LocalForward 1 x:2\n  ControlMaster auto\nHost *\n  Port 2206\n  ProxyJump none\n  ForwardAgent no\n',
    runs: [['h']],
  },
  {
    name: 'a typical ~/.ssh/config (git hosts, a bastion, *.internal with a negation, Match, Host * defaults)',
    text: () => ['Host github.com gitlab.com', '  HostName ssh.%h', '  Port 443', '  User git', '  IdentityFile ~/.ssh/id_ed25519_git', '  IdentitiesOnly yes',
      'Host bastion', '  HostName 198.51.100.10', '  User ops', 'Host *.internal !bastion', '  User deploy', '  ServerAliveInterval 30',
      'Match host *.internal user deploy', '  PreferredAuthentications publickey', 'Host *', '  AddKeysToAgent yes', '  Compression yes', '  TCPKeepAlive yes',
      '  SendEnv LANG LC_*', '  HashKnownHosts yes', '  ConnectTimeout 10', '  IPQoS lowdelay throughput', '  UpdateHostKeys yes', '  CheckHostIP no',
      '  ForwardAgent no', '  ForwardX11 no', ''].join('\n'),
    runs: [['github.com'], ['gitlab.com'], ['bastion'], ['db.internal'], ['-l', 'me', 'db.internal']],
    fields: [...FIELDS, 'serveraliveinterval', 'preferredauthentications', 'connecttimeout', 'sendenv'],
  },
  {
    name: 'the -o keywords from a file',
    text: () => ['Host *', 'ServerAliveInterval 1m30s', 'ServerAliveCountMax 4', 'ConnectTimeout 12', 'BatchMode yes', 'StrictHostKeyChecking accept-new',
      'RequestTTY force', 'LogLevel ERROR', 'AddressFamily inet', 'Ciphers aes128-ctr,aes256-ctr', 'MACs hmac-sha2-256', 'KexAlgorithms curve25519-sha256',
      'HostKeyAlgorithms ssh-ed25519', 'EscapeChar ^]', 'RekeyLimit 1G 1h', 'PreferredAuthentications publickey,password', 'PasswordAuthentication no',
      'KbdInteractiveAuthentication no', 'StdinNull yes', 'StrictHostKeyChecking yes'].join('\n  '),
    runs: [['h']],
    fields: [...FIELDS, 'serveraliveinterval', 'serveralivecountmax', 'connecttimeout', 'batchmode', 'stricthostkeychecking', 'requesttty', 'loglevel',
      'addressfamily', 'ciphers', 'macs', 'kexalgorithms', 'hostkeyalgorithms', 'escapechar', 'rekeylimit', 'preferredauthentications',
      'passwordauthentication', 'kbdinteractiveauthentication', 'stdinnull'],
  },
];

describe('tessera ssh -G against ssh -G, field by field', () => {
  for (const c of corpus) {
    it(c.name, () => {
      const file = config(c.text());
      for (const args of c.runs) {
        const g = theirs(file, args);
        const t = ours(file, args);
        for (const k of c.fields ?? FIELDS) expect({ args, k, v: t.get(k) }).toEqual({ args, k, v: g.get(k) });
      }
    });
  }

  it('Include: globs, sorted, directories and dot files skipped, Host blocks do not leak out of an included file', () => {
    const d = join(dir, 'conf.d');
    mkdirSync(join(d, 'sub.conf'), { recursive: true });
    writeFileSync(join(d, 'b.conf'), 'Host b\n  Port 2207\n');
    writeFileSync(join(d, 'a.conf'), 'Host a b\n  User from-a\nHost nomatch\n');
    writeFileSync(join(d, '.hidden.conf'), 'Port 9999\n');
    const file = config(`Include ${d}/*.conf ${dir}/missing-*.conf\nUser after-include\nHost b\n  Include ${d}/b.conf\n`);
    for (const host of ['a', 'b', 'c']) {
      const g = theirs(file, [host]);
      const t = ours(file, [host]);
      for (const k of FIELDS) expect({ host, k, v: t.get(k) }).toEqual({ host, k, v: g.get(k) });
    }
  });

  it('${VARIABLE} in file names (ssh_config(5) ENVIRONMENT VARIABLES)', () => {
    const file = config('UserKnownHostsFile ${TESSERA_CFG_DIR}/kh-%h\nIdentityFile ${TESSERA_CFG_DIR}/id\n');
    process.env.TESSERA_CFG_DIR = '/somewhere';
    try {
      const g = theirs(file, ['h']);
      const t = ours(file, ['h']);
      expect(t.get('userknownhostsfile')).toEqual(g.get('userknownhostsfile'));
      expect(parseSshArgs(['-F', file, 'h']).identities).toEqual(['/somewhere/id']);
    } finally {
      delete process.env.TESSERA_CFG_DIR;
    }
    expect(() => parseSshArgs(['-F', file, 'h'])).toThrow(/TESSERA_CFG_DIR/);
  });

  it('-F none reads no file; the last -F counts, as ssh.c', () => {
    const file = config('Port 2208\n');
    expect(ours('none', ['h']).get('port')).toEqual(theirs('none', ['h']).get('port'));
    expect(parseSshArgs(['-F', file, '-F', 'none', 'h']).port).toBe(22);
    expect(parseSshArgs(['-F', 'none', '-F', file, 'h']).port).toBe(2208);
  });
});

describe('files ssh(1) or Tessera refuse: a typed error naming the file and line', () => {
  const cases: { name: string; text: () => string | Buffer; reason: string; line?: number; sshRefuses: boolean }[] = [
    { name: 'an unknown keyword', text: () => 'Port 22\nFrobnicate yes\n', reason: 'BAD_OPTION', line: 2, sshRefuses: true },
    { name: 'an unknown keyword in a block that does not apply', text: () => 'Host x\n  Frobnicate yes\n', reason: 'BAD_OPTION', line: 2, sshRefuses: true },
    { name: 'extra arguments', text: () => 'Port 22 33\n', reason: 'BAD_VALUE', line: 1, sshRefuses: true },
    { name: 'a bad port', text: () => 'Port 70000\n', reason: 'BAD_VALUE', line: 1, sshRefuses: true },
    { name: 'an unterminated quote', text: () => 'Host *\n  User "abc\n', reason: 'SYNTAX', line: 2, sshRefuses: true },
    { name: 'a keyword without a value', text: () => 'Port\n', reason: 'SYNTAX', line: 1, sshRefuses: true },
    { name: 'Host without patterns', text: () => 'Host\n', reason: 'SYNTAX', line: 1, sshRefuses: true },
    { name: 'binary garbage', text: () => Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x20, 0x00, 0xff, 0xfe, 0x0a, 0x13, 0x37]), reason: 'BAD_OPTION', line: 1, sshRefuses: true },
    { name: 'a Match criterion 9.2 does not have', text: () => 'Match localnetwork 10.0.0.0/8\n', reason: 'UNSUPPORTED', line: 1, sshRefuses: true },
    { name: 'Match all with more', text: () => 'Match all host x\n', reason: 'SYNTAX', line: 1, sshRefuses: true },
    // Accepted by ssh(1), refused by Tessera: it would change the route or what runs, or weaken host key checking.
    { name: 'ProxyJump where it applies', text: () => 'Host *\n  ProxyJump bastion\n', reason: 'UNSUPPORTED', line: 2, sshRefuses: false },
    { name: 'LocalForward where it applies', text: () => 'LocalForward 8080 localhost:80\n', reason: 'UNSUPPORTED', line: 1, sshRefuses: false },
    { name: 'HostKeyAlias', text: () => 'HostKeyAlias other\n', reason: 'UNSUPPORTED', line: 1, sshRefuses: false },
    { name: 'Match exec where its answer counts', text: () => 'Match host h exec "true"\n  Port 2\n', reason: 'UNSUPPORTED', line: 1, sshRefuses: false },
    { name: 'StrictHostKeyChecking no (as -o)', text: () => 'StrictHostKeyChecking no\n', reason: 'BAD_VALUE', line: 1, sshRefuses: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const file = config(c.text());
      let err: unknown;
      try { parseSshArgs(['-F', file, 'h']); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(SshConfigError);
      expect({ reason: (err as SshConfigError).reason, file: (err as SshConfigError).file, line: (err as SshConfigError).line }).toEqual({ reason: c.reason, file, line: c.line });
      expect((err as Error).message).toContain(`${file} line ${c.line}: `);
      const ssh = spawnSync('/usr/bin/ssh', ['-G', '-F', file, 'h'], { stdio: ['ignore', 'ignore', 'pipe'] });
      expect(ssh.status).toBe(c.sshRefuses ? 255 : 0);
    });
  }

  it('the refusal names the keyword', () => {
    expect(() => parseSshArgs(['-F', config('Host *\n  ProxyJump bastion\n'), 'h'])).toThrow(/line 2: ProxyJump bastion: Tessera does not do a jump host/);
    expect(() => parseSshArgs(['-F', config('Frobnicate yes\n'), 'h'])).toThrow(/line 1: Bad configuration option: Frobnicate/);
  });

  it('an Include loop stops at 16 levels (readconf.c READCONF_MAX_DEPTH), as ssh(1)', () => {
    const loop = join(dir, 'loop');
    writeFileSync(loop, `Include ${loop}\n`);
    expect(() => parseSshArgs(['-F', loop, 'h'])).toThrow(expect.objectContaining({ reason: 'INCLUDE_DEPTH', file: loop, line: 1 }));
    expect(spawnSync('/usr/bin/ssh', ['-G', '-F', loop, 'h'], { stdio: 'ignore' }).status).toBe(255);
  });

  it('a missing -F file, a directory, a huge file (ssh(1) reads the last two as nothing or whole; Tessera refuses)', () => {
    const huge = join(dir, 'huge');
    writeFileSync(huge, '# padding\n'.repeat(500_000));
    for (const f of [join(dir, 'absent'), dir, huge]) {
      expect(() => parseSshArgs(['-F', f, 'h'])).toThrow(expect.objectContaining({ reason: 'UNREADABLE', file: f }));
    }
    expect(spawnSync('/usr/bin/ssh', ['-G', '-F', join(dir, 'absent'), 'h'], { stdio: 'ignore' }).status).toBe(255);
  });

  it('exit 255 and the message on stderr, as ssh(1) for a bad file', () => {
    const file = config('Host *\n  ProxyCommand nc %h %p\n');
    for (const args of [['-G', '-F', file, 'h'], ['-F', file, 'h', '--', 'true']]) {
      const r = spawnSync(process.execPath, [join(repoRoot, 'cli', 'tessera.js'), 'ssh', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect({ code: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
        code: 255, stdout: '', stderr: `tessera ssh: ${file} line 2: ProxyCommand nc %h %p: Tessera does not do a proxy command (it changes the route); only ProxyCommand none is accepted\n`,
      });
    }
    const loop = join(dir, 'loop255');
    writeFileSync(loop, `Include ${loop}\n`);
    const garbage = config(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x0a]));
    for (const [f, message] of [[dir, `${dir}: not a regular file`], [loop, `${loop} line 1: Too many recursive`], [garbage, `${garbage} line 1: no argument after keyword "\\x7fELF\\x02"`]] as const) {
      const r = spawnSync(process.execPath, [join(repoRoot, 'cli', 'tessera.js'), 'ssh', '-F', f, 'h', '--', 'true'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect({ code: r.status, stdout: r.stdout, stderr: r.stderr.startsWith(`tessera ssh: ${message}`) }).toEqual({ code: 255, stdout: '', stderr: true });
    }
  });
});

describe('the default files: ~/.ssh/config, then /etc/ssh/ssh_config', () => {
  it('~/.ssh/config is read (HOME set to a temporary folder), its Includes relative to ~/.ssh', () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    writeFileSync(join(home, '.ssh', 'config'), 'Include extra.conf\nHost prod\n  HostName 192.0.2.7\n', { mode: 0o600 });
    writeFileSync(join(home, '.ssh', 'extra.conf'), 'Host prod\n  Port 2209\n', { mode: 0o600 });
    const system = join(dir, 'system_config');
    writeFileSync(system, 'Host *\n  User from-system\n  Port 1\n');
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
      expect(homedir()).toBe(home);
      const sources = [defaultConfigSources()[0]!, { path: system, kind: 'system' as const, mustExist: false, checkPermissions: false }];
      expect(parseSshArgs(['prod'], sources)).toMatchObject({ host: '192.0.2.7', port: 2209, user: 'from-system' });
      // ssh(1) refuses a user config others can write (readconf.c SSHCONF_CHECKPERM): it could redirect the connection.
      chmodSync(join(home, '.ssh', 'config'), 0o666);
      expect(() => parseSshArgs(['prod'], sources)).toThrow(expect.objectContaining({ reason: 'UNREADABLE' }));
      chmodSync(join(home, '.ssh', 'config'), 0o600);
      chmodSync(join(home, '.ssh', 'extra.conf'), 0o620);
      expect(() => parseSshArgs(['prod'], sources)).toThrow(/Bad owner or permissions/);
    } finally {
      process.env.HOME = saved;
    }
  });

  it('the command reads them: `tessera ssh -G alias` with HOME set', () => {
    const home = join(dir, 'home2');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    writeFileSync(join(home, '.ssh', 'config'), 'Host alias\n  HostName 192.0.2.8\n  Port 2210\n  User cfg-user\n', { mode: 0o600 });
    const out = execFileSync(process.execPath, [join(repoRoot, 'cli', 'tessera.js'), 'ssh', '-G', 'alias'], { encoding: 'utf8', env: { ...process.env, HOME: home } });
    // Only what ~/.ssh/config sets is asserted: it is read first, so /etc/ssh/ssh_config cannot change these.
    const d = parseDump(out);
    expect([d.get('hostname'), d.get('port'), d.get('user')]).toEqual([['192.0.2.8'], ['2210'], ['cfg-user']]);
  });

  it('-o is split as a config line (quotes), and knows the same keywords', () => {
    const args = ['-o', 'User="al ice"', '-o', 'SetEnv=A="x y"', '-o', 'HostName = real.example.com', '-o', 'Compression=yes', '-o', 'GSSAPIAuthentication=no', 'h'];
    const g = parseDump(execFileSync('/usr/bin/ssh', ['-G', '-F', 'none', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    const t = parseDump(printConfig(parseSshArgs(['-G', ...args])));
    for (const k of ['user', 'setenv', 'hostname']) expect({ k, v: t.get(k) }).toEqual({ k, v: g.get(k) });
    expect(() => parseSshArgs(['-o', 'ForwardAgent=yes', 'h'])).toThrow(/ForwardAgent yes: Tessera does not do agent forwarding/);
    expect(() => parseSshArgs(['-o', 'Frobnicate=yes', 'h'])).toThrow(/unsupported option -o Frobnicate/);
  });

  it('UserKnownHostsFile none is no file (ssh_config(5)), not a file named none; the flags as ssh -G shows them', () => {
    const file = config('Host h\n  UserKnownHostsFile none\n');
    expect(ours(file, ['h']).get('userknownhostsfile')).toEqual(theirs(file, ['h']).get('userknownhostsfile'));
    expect(parseSshArgs(['-F', file, 'h']).knownHostsFile).toBe('/dev/null');
    expect(parseSshArgs(['-o', 'UserKnownHostsFile=none', 'h']).knownHostsFile).toBe('/dev/null');
    for (const flags of [['-t'], ['-t', '-t'], ['-T'], ['-v'], ['-n'], ['-6']]) {
      const g = theirs('none', [...flags, 'h']);
      const t = ours('none', [...flags, 'h']);
      for (const k of ['requesttty', 'loglevel', 'stdinnull', 'addressfamily']) expect({ flags, k, v: t.get(k) }).toEqual({ flags, k, v: g.get(k) });
    }
  });

  it('a file\'s AddressFamily does not stop --relay (the relay connects); -4 with --relay is still refused', () => {
    const file = config('Host *\n  AddressFamily inet\n');
    expect(parseSshArgs(['-F', file, '--relay', 'ws://relay.invalid/', 'h']).addressFamily).toBeUndefined();
    expect(parseSshArgs(['-F', file, 'h']).addressFamily).toBe(4);
    expect(() => parseSshArgs(['-F', file, '-4', '--relay', 'ws://relay.invalid/', 'h'])).toThrow(/with --relay the relay connects/);
  });

  it('-o Host / Match / Include are refused, as ssh(1) refuses them on the command line', () => {
    for (const o of ['Host=x', 'Match=all', 'Include=/etc/passwd']) expect(() => parseSshArgs(['-o', o, 'h'])).toThrow(UsageError);
  });
});
