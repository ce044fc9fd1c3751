// -o SetEnv and -o SendEnv in `tessera ssh`, as ssh(1) 9.2 against the same sshd (AcceptEnv LANG LC_* TESSERA_*):
// SetEnv sends NAME=VALUE pairs (the first SetEnv option counts whole), SendEnv sends the local variables whose names
// match its patterns ("-PATTERN" takes one back); sshd keeps what AcceptEnv allows and drops the rest without a word.
// Before, both were refused as unsupported options.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSshArgs } from '../../cli/ssh.ts';
import { repoRoot } from '../peers/index.ts';
import { useCliTarget } from './cli-target.ts';
import { runClient } from './run-client.ts';


describe('SetEnv and SendEnv', () => {
  const t = useCliTarget();
  const remote = 'echo "A=${TESSERA_A-unset} B=${TESSERA_B-unset} C=${TESSERA_C-unset} D=${TESSERA_D-unset} OTHER=${OTHER_VAR-unset}"';
  const flags = ['-o', 'SetEnv=TESSERA_A="one two" OTHER_VAR=x', '-o', 'SetEnv=TESSERA_D=dropped', '-o', 'SendEnv=TESSERA_B TESSERA_C OTHER_*', '-o', 'SendEnv=-TESSERA_C'];
  const local = { ...process.env, TESSERA_B: 'from-here', TESSERA_C: 'taken-back', OTHER_VAR: 'not-accepted' };

  it('the server sees the same variables from both clients', { timeout: 120_000 }, async () => {
    const expected = 'A=one two B=from-here C=unset D=unset OTHER=unset\n';
    const theirs = await runClient('/usr/bin/ssh', ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${t.knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-i', t.key.privatePath, '-p', String(t.sshd.port), ...flags, `${t.sshd.user}@127.0.0.1`, remote], { env: local });
    expect({ out: theirs.stdout, err: theirs.stderr }).toEqual({ out: expected, err: '' });
    const ours = await runClient(process.execPath, [join(repoRoot, 'cli', 'tessera.js'), 'ssh', ...flags, ...t.base, '--', remote], { env: local });
    expect(ours.stdout).toBe(expected);
    expect(ours.code).toBe(0);
  });

  it('parsed as ssh -G shows them', () => {
    const g = execFileSync('/usr/bin/ssh', ['-G', '-F', '/dev/null', ...flags, 'host'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(g).toContain('setenv TESSERA_A=one two\nsetenv OTHER_VAR=x\n');
    expect(g).toContain('sendenv TESSERA_B\nsendenv OTHER_*\n');
    const a = parseSshArgs([...flags, 'host']);
    expect(a.setEnv).toEqual([['TESSERA_A', 'one two'], ['OTHER_VAR', 'x']]);
    expect(a.sendEnv).toEqual(['TESSERA_B', 'OTHER_*']);
  });
});
