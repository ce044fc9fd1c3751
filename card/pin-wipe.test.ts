// PIN hygiene (review 9, finding 8): after a VERIFY, CHANGE REFERENCE DATA or RESET RETRY
// COUNTER (ISO/IEC 7816-4 §11.5.6-§11.5.10, SP 800-73-4 Part 2 §3.2.1-§3.2.3) no buffer that
// card/ made from the PIN still holds it. The transport's own buffer is captured by reference.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CardChannel, type ApduTransport } from './channel.ts';
import { OpenPgpClient } from './openpgp-client.ts';
import { PivClient } from './piv-client.ts';

/** A transport that keeps the very buffers it was given and answers `sw` (or fails). */
function capturing(sw: string | Error): ApduTransport & { given: Uint8Array[]; sent: string[] } {
  const given: Uint8Array[] = [];
  const sent: string[] = [];
  return {
    given,
    sent,
    async transmit(c) {
      given.push(c);
      sent.push(Buffer.from(c).toString('hex')); // what the card got, before any wipe
      if (sw instanceof Error) throw sw;
      return Buffer.from(sw, 'hex');
    },
  };
}

const zeroed = (b: Uint8Array): boolean => b.every((x) => x === 0);

/** Every Uint8Array TextEncoder hands out during `run` (the UTF-8 PIN). */
async function encodedDuring(run: () => Promise<unknown>): Promise<Uint8Array[]> {
  const made: Uint8Array[] = [];
  const original = TextEncoder.prototype.encode;
  vi.spyOn(TextEncoder.prototype, 'encode').mockImplementation(function (this: TextEncoder, s?: string) {
    const out = original.call(this, s);
    made.push(out);
    return out;
  });
  await run().catch(() => undefined);
  return made;
}

afterEach(() => vi.restoreAllMocks());

describe('PIN buffers are zeroed after use', () => {
  for (const [name, ins] of [['VERIFY', 0x20], ['CHANGE REFERENCE DATA', 0x24], ['RESET RETRY COUNTER', 0x2c]] as const) {
    it(`CardChannel wipes the encoded ${name} command once it was sent`, async () => {
      const t = capturing('9000');
      await new CardChannel(t).call({ cla: 0, ins, p1: 0, p2: 0x80, data: Buffer.from('3132333435363738', 'hex') });
      expect(t.sent).toEqual([`00${ins.toString(16).padStart(2, '0')}0080083132333435363738`]);
      expect(zeroed(t.given[0]!)).toBe(true);
    });
  }

  it('CardChannel leaves other commands alone (the transport may keep them)', async () => {
    const t = capturing('9000');
    await new CardChannel(t).call({ cla: 0, ins: 0xcb, p1: 0x3f, p2: 0xff, data: Buffer.from('5c035fc105', 'hex') });
    expect(Buffer.from(t.given[0]!).toString('hex')).toBe('00cb3fff055c035fc105');
  });

  const outcomes: [string, string | Error][] = [['accepted', '9000'], ['wrong', '63c2'], ['transport failure', new Error('unplugged')]];
  for (const [outcome, sw] of outcomes) {
    it(`PivClient.verifyPin: UTF-8 PIN and the sent APDU are zero (PIN ${outcome})`, async () => {
      const t = capturing(sw);
      const made = await encodedDuring(() => new PivClient(t).verifyPin('123456'));
      expect(made.length).toBe(1);
      expect(zeroed(made[0]!)).toBe(true);
      expect(t.sent).toEqual(['0020008008313233343536ffff']);
      expect(zeroed(t.given[0]!)).toBe(true);
    });

    it(`OpenPgpClient.verifyPin: UTF-8 PIN and the sent APDU are zero (PIN ${outcome})`, async () => {
      const t = capturing(sw);
      const made = await encodedDuring(() => new OpenPgpClient(t).verifyPin('123456'));
      expect(made.length).toBe(1);
      expect(zeroed(made[0]!)).toBe(true);
      expect(t.sent).toEqual(['0020008206313233343536']);
      expect(zeroed(t.given[0]!)).toBe(true);
    });
  }

  it('a PIN of the wrong length is wiped too', async () => {
    const t = capturing('9000');
    const made = await encodedDuring(() => new PivClient(t).verifyPin('123'));
    expect(made.length).toBe(1);
    expect(zeroed(made[0]!)).toBe(true);
    expect(t.given.length).toBe(0);
  });
});
