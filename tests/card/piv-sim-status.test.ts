// The simulated PIV card's status words against SP 800-73-4 Part 2 §3.2.1-§3.2.3 and a PIV applet that
// follows it (OpenFIPS201): a key reference the command does not know is 6A 88 (referenced data not
// found), not 6A 82 (a data object) or 6A 86 (P1-P2); a generic PIV card refuses a PIN that is not
// digits padded with FF (§2.4.3) with 6A 80 and counts no attempt (SP 800-73-5 allows 6A 80 here),
// where a YubiKey, whose PIN may hold any character, counts it as wrong. card/ reports the refused
// format as such (no try lost), not as "the card rejected the command data".
import { describe, expect, it } from 'vitest';
import { CardInputError, PivClient, type ApduTransport } from '../../card/index.ts';
import { PivCard } from '../../sim/index.ts';

const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));
const sw = (r: Uint8Array): string => Buffer.from(r.subarray(r.length - 2)).toString('hex');
const SELECT = h('00a4040009 a00000030800001000');

async function card(profile: 'yubikey5' | 'generic'): Promise<PivCard> {
  const c = new PivCard({ profile });
  expect(sw(await c.handle(SELECT))).toBe('9000');
  return c;
}

describe('sim/piv: key references a command does not know are 6A 88', () => {
  for (const profile of ['yubikey5', 'generic'] as const) {
    it(`${profile}: VERIFY 81 (the PUK is never VERIFYed), VERIFY 7F, RESET RETRY COUNTER 81, CHANGE REFERENCE DATA 82`, async () => {
      const c = await card(profile);
      expect(sw(await c.handle(h('0020008108 3132333435363738')))).toBe('6a88');
      expect(sw(await c.handle(h('0020007f')))).toBe('6a88');
      expect(sw(await c.handle(h('002c008110 3132333435363738 313233343536ffff')))).toBe('6a88');
      expect(sw(await c.handle(h('0024008210 313233343536ffff 313233343536ffff')))).toBe('6a88');
      // Nothing was counted: PIN and PUK still have all their tries.
      expect([c.pinLeft, c.pukLeft]).toEqual([3, 3]);
      // The known references still answer as before.
      expect(sw(await c.handle(h('00200080')))).toBe('63c3');
      expect(sw(await c.handle(h('0020008008 313233343536ffff')))).toBe('9000');
    });
  }
});

describe('sim/piv: a PIN that is not digits padded with FF', () => {
  const malformed = ['0020008008 31323334353647ff', '0020008008 3132ff3334353637', '0020008008 ffffffffffffffff'];
  it('generic PIV card: 6A 80, no try counted (VERIFY and CHANGE REFERENCE DATA)', async () => {
    const c = await card('generic');
    for (const apdu of malformed) expect(sw(await c.handle(h(apdu)))).toBe('6a80');
    expect(sw(await c.handle(h('0024008010 31323334353647ff 393837363534ffff')))).toBe('6a80');
    expect(c.pinLeft).toBe(3);
    expect(sw(await c.handle(h('00200080')))).toBe('63c3');
  });

  it('YubiKey: a wrong PIN like any other (63 C2)', async () => {
    const c = await card('yubikey5');
    expect(sw(await c.handle(h(malformed[0]!)))).toBe('63c2');
  });

  it("card/'s verifyPin on a generic card: a CardInputError saying the card takes digits, and no try lost", async () => {
    const c = await card('generic');
    const t: ApduTransport = { transmit: (a) => c.handle(a) };
    const piv = new PivClient(t);
    const err = await piv.verifyPin('12345a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CardInputError);
    expect((err as CardInputError).message).toMatch(/digits/);
    expect(await piv.pinStatus()).toEqual({ verified: false, retriesLeft: 3, blocked: false });
    await piv.verifyPin('123456');
    expect((await piv.pinStatus()).verified).toBe(true);
  });
});

describe('sim/piv: the SELECT answer', () => {
  it("a YubiKey's application property template has no AC (as a YubiKey 5 answers); a generic card lists its algorithms", async () => {
    const yubikey = new PivCard({ profile: 'yubikey5' });
    expect(Buffer.from(await yubikey.handle(SELECT)).toString('hex')).toBe('61114f0600001000010079074f05a000000308' + '9000');
    const generic = new PivCard({ profile: 'generic' });
    const answer = Buffer.from(await generic.handle(SELECT)).toString('hex');
    expect(answer).toMatch(/^61..4f0600001000010079074f05a000000308ac/);
    expect(answer.endsWith('9000')).toBe(true);
  });
});
