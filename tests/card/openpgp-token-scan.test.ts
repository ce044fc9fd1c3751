// OpenPgpToken's view of a card for the panel and the CLI: the card described from its AID (version, manufacturer,
// serial, OpenPGP card 3.4 §4.2.1), an empty authentication slot (DO DE / C5 say no key) listed as no key rather
// than an error, an authentication key of an algorithm Tessera cannot use named with why (not thrown), the User
// Interaction Flag of AUT (DO D8) as the key's touch policy, and a pre-3.0 card's data objects directly in DO 6E.
// Against the simulated OpenPGP card 3.4 (sim/openpgp), in memory.
import { describe, expect, it } from 'vitest';
import { encodeTlv, OpenPgpToken, parseTlvs, type ApduTransport } from '../../card/index.ts';
import { OpenPgpCard, provisionOpenPgpCard } from '../../sim/index.ts';

const memory = (card: { handle(a: Uint8Array): Promise<Uint8Array> }): ApduTransport => ({ transmit: (c) => card.handle(c) });

describe('OpenPgpToken: description and key scan', () => {
  it('describes a card by version, manufacturer and serial, and a YubiKey applet by its firmware', async () => {
    const { card } = await provisionOpenPgpCard({ algorithm: 'p-256', certificate: false, serial: 0x000a1b2c });
    expect((await OpenPgpToken.open(memory(card))).description).toBe('OpenPGP card 3.4 (test card, serial 000A1B2C)');
    const yk = await provisionOpenPgpCard({ algorithm: 'p-256', certificate: false, yubikey: [5, 7, 1], serial: 12345678 });
    expect((await OpenPgpToken.open(memory(yk.card))).description).toBe('YubiKey 5.7.1 (OpenPGP 3.4, serial 00BC614E)');
  });

  it('a card without an authentication key lists no key and skips nothing, without asking for a public key', async () => {
    const card = new OpenPgpCard();
    const token = await OpenPgpToken.open(memory(card));
    expect(token.application.keyPresent).toEqual({ sig: false, dec: false, aut: false });
    expect(await token.scanKeys()).toEqual({ keys: [], skipped: [] });
    expect(card.log.some((e) => e.command[1] === 0x47)).toBe(false);
  });

  it('an authentication key of an unsupported algorithm is named with why; the card stays usable', async () => {
    const { card } = await provisionOpenPgpCard({ algorithm: 'p-256', certificate: false });
    // Curve25519 for ECDH (algorithm 12, OID 1.3.6.1.4.1.3029.1.5.1): a decryption key type, not one SSH signs with.
    card.setAttributes('aut', Buffer.from('122b060104019755010501', 'hex'));
    const token = await OpenPgpToken.open(memory(card));
    const scan = await token.scanKeys();
    expect(scan.keys).toEqual([]);
    expect(scan.skipped).toEqual([{
      id: 'openpgp:aut', label: 'OpenPGP Authentication', code: 'CARD_UNSUPPORTED',
      reason: 'The OpenPGP authentication key uses an algorithm Tessera does not support (attributes 122b060104019755010501)',
    }]);
    expect(await token.pinState()).toEqual({ verified: false, retriesLeft: 3, blocked: false });
  });

  it.each([[undefined, false, undefined], [0x00, false, 'never'], [0x01, true, 'always'], [0x02, true, 'always'], [0x03, true, 'cached']] as const)(
    'UIF-AUT %s: needsTouch %s, touch policy %s; a touch is awaited before INTERNAL AUTHENTICATE answers', async (flag, needsTouch, policy) => {
      const { card } = await provisionOpenPgpCard({ algorithm: 'p-256', certificate: false, ...(flag !== undefined ? { uif: { aut: flag } } : {}), touchDelayMs: 1 });
      const token = await OpenPgpToken.open(memory(card));
      const [key] = await token.listKeys();
      expect(key!.needsTouch).toBe(needsTouch);
      expect(key!.touchPolicy).toBe(policy);
      await token.verifyPin('123456');
      await key!.sign(new TextEncoder().encode('touch'));
      expect(card.touches).toBe(needsTouch ? 1 : 0);
    });

  it('a card before 3.0 (discretionary data objects directly in DO 6E, no 73) is read the same', async () => {
    const { card, spki } = await provisionOpenPgpCard({ algorithm: 'p-256', certificate: false });
    const flatten = (answer: Uint8Array): Uint8Array => {
      const body = answer.subarray(0, answer.length - 2);
      const outer = parseTlvs(parseTlvs(body)[0]!.value);
      const inner = outer.flatMap((t) => (t.tag === 0x73 ? parseTlvs(t.value) : [t]));
      const value = Uint8Array.from(inner.flatMap((t) => [...encodeTlv(t.tag, t.value)]));
      return Uint8Array.from([...encodeTlv(0x6e, value), 0x90, 0x00]);
    };
    const isGetData6e = (c: Uint8Array) => c[1] === 0xca && c[2] === 0x00 && c[3] === 0x6e;
    const old: ApduTransport = { transmit: async (c) => (isGetData6e(c) ? flatten(await card.handle(c)) : card.handle(c)) };
    const token = await OpenPgpToken.open(old);
    expect(token.application.pw1RetriesLeft).toBe(3);
    const [key] = await token.listKeys();
    expect(Buffer.from(key!.spki).equals(Buffer.from(spki))).toBe(true);
  });
});
