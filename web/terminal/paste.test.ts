import { describe, expect, it } from 'vitest';
import { pasteSafe } from './paste.ts';

describe('pasteSafe', () => {
  it('drops ESC, so no end-of-paste marker (ESC [201~) survives, however it is nested', () => {
    expect(pasteSafe('ls\x1b[201~\rrm -rf ~\r')).toBe('ls[201~\rrm -rf ~\r');
    expect(pasteSafe('\x1b\x1b[201~[201~')).not.toContain('\x1b');
    expect(pasteSafe('plain text\twith tabs\nand lines')).toBe('plain text\twith tabs\nand lines');
  });
});
