// Our ATR analysis against a real peer: pcsc-tools' ATR_analysis on the same ATRs
// (protocols, Fi/Di, IFSC, BWI/CWI, specific mode, TCK verdict).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { describeAtr, parseAtr, parseHex } from '../../ccid/index.ts';
import { requireExecutable } from '../support/index.ts';

const ATRS = [
  '3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 40', // YubiKey 5
  '3B 7D 96 00 00 80 31 80 65 B0 83 11 17 D6 83 00 90 00', // DoD CAC
  '3B DB 96 00 80 B1 FE 45 1F 83 00 31 C0 64 B0 FC 10 00 0F 90 00 0D', // ID-One PIV
  '3B 90 96 91 81 B1 FE 55 1F C7 D4', // HID iClass SE, specific mode
  '3B D9 18 FF 81 91 FE 1F C3 54 41 47 4C 49 4F 50 49 56 5B', // Taglio PIV (JCOP 3)
];

/** The ATR_analysis lines that carry facts (colour codes stripped), without the database part. */
function peer(atr: string): string[] {
  const bin = requireExecutable('/usr/bin/ATR_analysis', 'Debian package pcsc-tools');
  const text = execFileSync(bin, [atr], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, HOME: '/nonexistent' } });
  const escape = String.fromCharCode(27);
  return text.replace(new RegExp(`${escape}\\[[0-9;]*m`, 'g'), '').split('\n').map((l) => l.trimEnd());
}

const facts = (lines: readonly string[]): string[] =>
  lines.filter((l) => /^\s*(TA|TB|TC|TD)\(\d\)|^\+ TCK|^\+ TS|^\+ T0/.test(l)).map((l) => l.replace(/\s+/g, ' ').trim());

describe('ATR analysis matches pcsc-tools ATR_analysis', () => {
  for (const a of ATRS) {
    it(a, () => {
      const ours = facts(describeAtr(parseAtr(parseHex(a))));
      const theirs = facts(peer(a));
      expect(ours).toEqual(theirs);
    });
  }

  it('both reject a bad TCK', () => {
    const bad = '3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 41';
    expect(peer(bad).join('\n')).toMatch(/TCK = 41 WRONG CHECKSUM, expected 40/);
    expect(() => parseAtr(parseHex(bad))).toThrow(/TCK/);
  });
});
