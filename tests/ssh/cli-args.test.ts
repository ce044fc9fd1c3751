// `tessera ssh` option syntax against ssh(1)'s, which reads its options with getopt(3) ("1246ab:c:e:fgi:kl:m:no:p:..."):
// a value may be attached (-p2222, -iFILE, -lbob, -oPort=2200), flags may be grouped (-vT, -tt), and options may
// follow the destination until the first word of the command.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/command.ts';
import { parseSshArgs } from '../../cli/ssh.ts';

describe('parseSshArgs: ssh(1) option forms', () => {
  it('values attached to their letter: -pPORT, -iFILE, -lUSER, -oOption=value', () => {
    const a = parseSshArgs(['-p2222', '-i/keys/id', '-lbob', '-oUserKnownHostsFile=/tmp/kh', '-oConnectTimeout=3', 'host', 'uptime']);
    expect(a.port).toBe(2222);
    expect(a.identities).toEqual(['/keys/id']);
    expect(a.user).toBe('bob');
    expect(a.knownHostsFile).toBe('/tmp/kh');
    expect(a.connectTimeoutMs).toBe(3000);
    expect(a.host).toBe('host');
    expect(a.command).toBe('uptime');
  });

  it('grouped flags: -vT, -tv, and a value after grouped flags (-vp2200)', () => {
    const a = parseSshArgs(['-vT', 'host']);
    expect(a.verbose).toBe(true);
    expect(a.pty).toBe('never');
    const b = parseSshArgs(['-tv', 'host']);
    expect(b.pty).toBe('request');
    expect(b.verbose).toBe(true);
    const c = parseSshArgs(['-vp2200', 'host']);
    expect(c.verbose).toBe(true);
    expect(c.port).toBe(2200);
    const d = parseSshArgs(['-vp', '2201', 'host']);
    expect(d.port).toBe(2201);
  });

  it('the separate forms still work, -o "Option value" too, and options after the destination (the first value wins, as ssh -G shows)', () => {
    const a = parseSshArgs(['-p', '2222', '-o', 'User alice', 'host', '-o', 'Port=2300', '--', 'ls', '-l']);
    expect(a.port).toBe(2222);
    expect(a.user).toBe('alice');
    expect(a.command).toBe('ls -l');
  });

  it('user@[IPv6] and the last @ separates the user', () => {
    const a = parseSshArgs(['-p', '22', 'me@[::1]']);
    expect(a.user).toBe('me');
    expect(a.host).toBe('::1');
    const b = parseSshArgs(['first.last@corp@bastion']);
    expect(b.user).toBe('first.last@corp');
    expect(b.host).toBe('bastion');
  });

  it('an unknown letter, in a group or alone, is a usage error naming it', () => {
    expect(() => parseSshArgs(['-vX', 'host'])).toThrow(UsageError);
    expect(() => parseSshArgs(['-vX', 'host'])).toThrow(/-X/);
    expect(() => parseSshArgs(['-Z', 'host'])).toThrow(/-Z/);
    expect(() => parseSshArgs(['-v', '-p'])).toThrow(/-p needs a value/);
  });

  it('ConnectTimeout takes ssh_config(5) times; anything else is a usage error, not a NaN timeout', () => {
    expect(parseSshArgs(['-o', 'ConnectTimeout=10', 'host']).connectTimeoutMs).toBe(10_000);
    expect(parseSshArgs(['-o', 'ConnectTimeout=1m30s', 'host']).connectTimeoutMs).toBe(90_000);
    for (const bad of ['abc', '10x', '0', '-5', '1.5']) {
      expect(() => parseSshArgs(['-o', `ConnectTimeout=${bad}`, 'host'])).toThrow(UsageError);
    }
  });

  it('-t requests a pty (only when stdin is a terminal), -tt and -t -t force one', () => {
    expect(parseSshArgs(['-t', 'host']).pty).toBe('request');
    expect(parseSshArgs(['-tt', 'host']).pty).toBe('force');
    expect(parseSshArgs(['-t', '-t', 'host']).pty).toBe('force');
    expect(parseSshArgs(['host']).pty).toBe('auto');
  });
});
