// cli/ssh-config-lexer.ts against what OpenSSH 9.2 makes of the same lines (readconf.c, misc.c argv_split); the
// whole files are checked against `ssh -G` in tests/ssh/cli-config.test.ts.
import { describe, expect, it } from 'vitest';
import { argvSplit, ConfigSyntaxError, splitKeyword } from './ssh-config-lexer.ts';

describe('splitKeyword', () => {
  it.each([
    ['Port 22', 'Port', '22'],
    ['  port=22', 'port', '22'],
    ['Port = 22  ', 'Port', '22'],
    ['\tUser\t"al ice"', 'User', '"al ice"'],
    ['HostName=a=b', 'HostName', 'a=b'],
  ])('%j', (line, keyword, rest) => {
    expect(splitKeyword(line)).toEqual({ keyword, rest });
  });

  it('blank and comment lines are nothing', () => {
    for (const l of ['', '   ', '# Port 22', '   # x', '\r']) expect(splitKeyword(l)).toBeUndefined();
  });

  it('a line starting with = has no keyword', () => {
    expect(() => splitKeyword('= 22')).toThrow(ConfigSyntaxError);
  });
});

describe('argvSplit (misc.c argv_split)', () => {
  it.each([
    ['a b\tc', ['a', 'b', 'c']],
    ['"al ice"', ['al ice']],
    ["A=\"x y\" B='z w'", ['A=x y', 'B=z w']],
    ['a\\ b', ['a b']],
    ['"a\\"b"', ['a"b']],
    ['a\\nb', ['a\\nb']], // an unknown escape stays as written
    ['x # comment', ['x']],
    ['x#y', ['x#y']], // # ends the line only at the start of a word
    ['""', ['']],
  ])('%j', (s, words) => {
    expect(argvSplit(s)).toEqual(words);
  });

  it('an unclosed quote is refused', () => {
    expect(() => argvSplit('"abc')).toThrow(ConfigSyntaxError);
    expect(() => argvSplit("a 'b")).toThrow(/quote/);
  });
});
