// The APDU-level chunking loop (CCID 1.1 §6.1.4) refuses a part size that cannot make
// progress (review 9, finding 1) instead of sending empty CONTINUE parts forever.
import { describe, expect, it } from 'vitest';
import { CcidProtocolError } from './errors.ts';
import type { Xfr } from './extended-apdu.ts';
import { transmitApduLevel } from './extended-apdu.ts';
import type { ReplyMessage } from './message.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A reader that acks every command part (chain 0x10) and answers 90 00 to the last; it gives up after 100 parts. */
function ackingReader(): { xfr: Xfr; parts: number[] } {
  const parts: number[] = [];
  const reply = (data: Uint8Array, specific: number): ReplyMessage => ({
    type: 0x80, slot: 0, seq: 0, bStatus: 0, bError: 0, specific, data, iccStatus: 'active', commandStatus: 'ok',
  });
  const xfr: Xfr = async (data, level) => {
    if (parts.length >= 100) throw new Error('test cut-off: more than 100 parts');
    parts.push(level);
    return level === 0x01 || level === 0x03 ? reply(new Uint8Array(0), 0x10) : reply(Uint8Array.of(0x90, 0x00), 0x00);
  };
  return { xfr, parts };
}

describe('transmitApduLevel', () => {
  it.each([0, -10, 0.5, Number.NaN])('refuses a part size of %d with CcidProtocolError, sending nothing', async (maxData) => {
    const { xfr, parts } = ackingReader();
    await expect(transmitApduLevel(xfr, Uint8Array.of(0x80, 0x20, 0x00, 0x10, 0x10), maxData)).rejects.toBeInstanceOf(CcidProtocolError);
    expect(parts).toEqual([]);
  });

  it('splits a command into BEGIN, CONTINUE and END parts of the part size', async () => {
    const { xfr, parts } = ackingReader();
    const answer = await transmitApduLevel(xfr, new Uint8Array(10), 4);
    expect(hex(answer)).toBe('9000');
    expect(parts).toEqual([0x01, 0x03, 0x02]);
  });
});
