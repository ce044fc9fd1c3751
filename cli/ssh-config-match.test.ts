// Host patterns and Match criteria (cli/ssh-config-match.ts) as readconf.c match_cfg_line and match.c read them;
// whole files against `ssh -G` in tests/ssh/cli-config.test.ts.
import { describe, expect, it } from 'vitest';
import { UsageError } from './command.ts';
import { evaluateMatch, hostLineMatches, patternListMatches, type MatchContext } from './ssh-config-match.ts';

const ctx: MatchContext = { host: 'web1', hostName: 'web1.example.com', originalHost: 'web1', user: 'alice', localUser: 'me', final: false };

describe('Host patterns', () => {
  it.each([
    [['web1'], true], [['web?'], true], [['*'], true], [['web2', 'w*'], true], [['*', '!web1'], false],
    [['!web1'], false], [['!db*'], false], [['WEB1'], false], [['db*'], false],
  ])('%j', (patterns, hit) => {
    expect(hostLineMatches('web1', patterns)).toBe(hit);
  });

  it('pattern lists lowercase the patterns only where asked (match_pattern_list dolower)', () => {
    expect(patternListMatches('web1', 'db,WEB*', true)).toBe(true);
    expect(patternListMatches('web1', 'db,WEB*', false)).toBe(false);
    expect(patternListMatches('web1', '*,!web1', true)).toBe(false);
  });
});

describe('Match', () => {
  it.each([
    [['all'], true],
    [['!all'], false],
    [['host', '*.example.com'], true], // Match host sees the HostName
    [['originalhost', 'web1'], true],
    [['host', 'web1'], false],
    [['user', 'alice', 'localuser', 'me'], true],
    [['!user', 'alice'], false],
    [['final'], false],
    [['!canonical', 'host', '*.com'], true],
    [['host', 'db', 'exec', 'false'], false], // exec not reached: an earlier criterion failed, as ssh(1) skips it
    [['final', 'all'], false],
  ])('%j', (args, matched) => {
    expect(evaluateMatch(args, ctx).matched).toBe(matched);
  });

  it('final and canonical hold on the final pass only', () => {
    const last = { ...ctx, final: true };
    expect([evaluateMatch(['final'], last).matched, evaluateMatch(['canonical'], last).matched, evaluateMatch(['!final'], last).matched]).toEqual([true, true, false]);
    expect(evaluateMatch(['final', 'all'], last).matched).toBe(true);
  });

  it('final asks for the second pass', () => {
    expect(evaluateMatch(['final', 'host', 'x'], ctx).wantsFinal).toBe(true);
    expect(evaluateMatch(['canonical'], ctx).wantsFinal).toBe(false);
  });

  it.each([
    [['exec', 'true'], /Match exec is not supported/],
    [['originalhost', 'web1', 'exec', 'true'], /Match exec/],
    [['localnetwork', '10.0.0.0/8'], /Unsupported Match attribute/],
    [['tagged', 'x'], /Unsupported Match attribute/],
    [['host'], /Missing Match criteria/],
    [['all', 'host', 'x'], /cannot be combined/],
  ])('%j is refused', (args, message) => {
    expect(() => evaluateMatch(args, ctx)).toThrow(UsageError);
    expect(() => evaluateMatch(args, ctx)).toThrow(message);
  });
});
