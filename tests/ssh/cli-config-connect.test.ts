// A real connection through an ssh_config alias: `tessera ssh alias` signs in to sshd 9.2 with the HostName, Port,
// User, IdentityFile and UserKnownHostsFile of the config (%tokens in them), as /usr/bin/ssh does with the same file;
// ~/.ssh/config is read when no -F is given; a ProxyJump for the alias stops it before any connection (exit 255).
// Before, -F FILE was refused and ~/.ssh/config ignored (the alias was looked up as a host name).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../peers/index.ts';
import { useCliTarget } from './cli-target.ts';
import { runClient } from './run-client.ts';

const tessera = (args: readonly string[], env?: NodeJS.ProcessEnv) => runClient(process.execPath, [join(repoRoot, 'cli', 'tessera.js'), 'ssh', ...args], env ? { env } : {});

describe('ssh_config aliases on a real sshd', () => {
  const t = useCliTarget();
  const aliasConfig = (extra = '') => [
    'Host other', '  ProxyJump bastion.invalid', // another host's route: does not apply here
    'Host tessera-test', '  HostName 127.0.0.1', `  Port ${t.sshd.port}`, `  User ${t.sshd.user}`,
    // %d, %h and %p expanded as ssh(1) does: the known_hosts file is found under its expanded name.
    `  IdentityFile ${t.key.privatePath}`, `  UserKnownHostsFile ${t.dir}/kh-%h-%p`, '  StrictHostKeyChecking yes', extra,
    'Host *', '  Port 1', '  User nobody-else', '',
  ].join('\n');
  const prepare = () => writeFileSync(join(t.dir, `kh-127.0.0.1-${t.sshd.port}`), t.sshd.knownHosts());

  it('-F FILE alias: the same session as /usr/bin/ssh -F FILE alias', { timeout: 120_000 }, async () => {
    prepare();
    const cfg = join(t.dir, 'alias.conf');
    writeFileSync(cfg, aliasConfig());
    const theirs = await runClient('/usr/bin/ssh', ['-F', cfg, '-o', 'BatchMode=yes', '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'IdentityAgent=none', 'tessera-test', 'echo via-$USER']);
    expect({ out: theirs.stdout, code: theirs.code }).toEqual({ out: `via-${t.sshd.user}\n`, code: 0 });
    const ours = await tessera(['-F', cfg, 'tessera-test', '--', 'echo via-$USER']);
    expect({ out: ours.stdout, err: ours.stderr, code: ours.code }).toEqual({ out: `via-${t.sshd.user}\n`, err: '', code: 0 });
  });

  it('~/.ssh/config is read without -F (HOME set to a temporary folder)', { timeout: 120_000 }, async () => {
    prepare();
    const home = join(t.dir, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    writeFileSync(join(home, '.ssh', 'config'), 'Include tessera.conf\n', { mode: 0o600 });
    writeFileSync(join(home, '.ssh', 'tessera.conf'), aliasConfig(), { mode: 0o600 });
    const ours = await tessera(['tessera-test', '--', 'echo home-config'], { ...process.env, HOME: home });
    expect({ out: ours.stdout, err: ours.stderr, code: ours.code }).toEqual({ out: 'home-config\n', err: '', code: 0 });
  });

  it('a ProxyJump for the alias is refused with file and line, exit 255, nothing run', { timeout: 120_000 }, async () => {
    prepare();
    const cfg = join(t.dir, 'jump.conf');
    writeFileSync(cfg, aliasConfig('  ProxyJump bastion.invalid'));
    const ours = await tessera(['-F', cfg, 'tessera-test', '--', 'echo should-not-run']);
    expect({ out: ours.stdout, err: ours.stderr, code: ours.code }).toEqual({
      out: '', err: `tessera ssh: ${cfg} line 10: ProxyJump bastion.invalid: Tessera does not do a jump host (it changes the route); only ProxyJump none is accepted\n`, code: 255,
    });
  });
});
