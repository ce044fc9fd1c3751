// %tokens, ${VARIABLES} and ~ (cli/ssh-config-tokens.ts) as ssh(1) 9.2 expands them; the values of each token are
// checked against `ssh -G` in tests/ssh/cli-config.test.ts.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from './command.ts';
import { expandPath, percentExpand } from './ssh-config-tokens.ts';

const t = { host: 'real.example.com', originalHost: 'alias', port: 2222, remoteUser: 'bob' };

describe('ssh_config TOKENS', () => {
  it('%h %n %p %r %% and ~', () => {
    expect(expandPath('~/.ssh/%r@%h:%p-%n-%%', t, 'IdentityFile')).toBe(join(homedir(), '.ssh/bob@real.example.com:2222-alias-%'));
  });

  it('an unknown token or a lone % is refused, as ssh(1) refuses it', () => {
    expect(() => percentExpand('a%zb', { h: 'x' }, 'HostName')).toThrow(/unknown token %z/);
    expect(() => percentExpand('a%', { h: 'x' }, 'HostName')).toThrow(UsageError);
    expect(() => expandPath('%j', t, 'IdentityFile')).toThrow(/%j/); // 9.2 has no %j
  });

  it('${VARIABLE} before %tokens; an unset one is refused', () => {
    process.env.TESSERA_TOKENS_TEST = '/v/%h';
    try {
      expect(expandPath('${TESSERA_TOKENS_TEST}/k', t, 'IdentityFile')).toBe('/v/real.example.com/k');
    } finally {
      delete process.env.TESSERA_TOKENS_TEST;
    }
    expect(() => expandPath('${TESSERA_TOKENS_TEST}/k', t, 'IdentityFile')).toThrow(/TESSERA_TOKENS_TEST/);
  });

  it('~user is refused (only ~ and ~/)', () => {
    expect(() => expandPath('~root/key', t, 'IdentityFile')).toThrow(/only ~ and ~\//);
  });
});
