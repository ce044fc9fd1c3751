// OpenPgpToken's view of a card for the panel and the CLI: the card described from its AID (version, manufacturer,
// serial, OpenPGP card 3.4 §4.2.1), an empty authentication slot (DO DE / C5 say no key) listed as no key rather
// than an error, and an authentication key of an algorithm Tessera cannot use named with why (not thrown).
// Against the simulated OpenPGP card 3.4 (sim/openpgp), in memory.
import { describe, expect, it } from 'vitest';
import { OpenPgpToken, type ApduTransport } from '../../card/index.ts';
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
});
