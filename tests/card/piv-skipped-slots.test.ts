// One unusable slot does not hide the card's good keys (review 9 ccid, finding 2): a key
// type Tessera does not support (X25519, RSA-1536) or a corrupt certificate object is
// skipped and reported with its reason; transport and PIN errors still fail the listing.
// The PIV card is sim/piv in memory; signatures are checked with node:crypto.
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CardTransportError, PivToken, SecurityStatusNotSatisfiedError, type ApduTransport,
} from '../../card/index.ts';
import { issueCardCertificate, provisionPivCard } from '../../sim/index.ts';

const memory = (card: { handle(a: Uint8Array): Promise<Uint8Array> }): ApduTransport => ({ transmit: (c) => card.handle(c) });
const spkiOf = (type: 'x25519' | 'rsa', bits?: number): Buffer =>
  (type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: bits! }) : generateKeyPairSync('x25519')).publicKey.export({ type: 'spki', format: 'der' });
/** GET DATA (00 CB 3F FF) of the certificate object of `slot` (SP 800-73-4 Part 1 Table 3). */
const CERT_TAG: Record<number, number> = { 0x9a: 0x05, 0x9c: 0x0a, 0x9d: 0x0b, 0x9e: 0x01 };
const isGetCertificate = (c: Uint8Array, slot: number): boolean => c[1] === 0xcb && c.includes(0x5c) && c.at(c[4] === 0 ? -3 : -2) === CERT_TAG[slot];

async function spoiledCard() {
  const p = await provisionPivCard({ profile: 'generic', slots: [{ slot: 0x9a, algorithm: 'p-256' }] });
  p.card.setCertificate(0x9d, await issueCardCertificate(p.ca, spkiOf('x25519'), 'CN=Tessera Test User, OU=Slot 9D'));
  p.card.setCertificate(0x9e, await issueCardCertificate(p.ca, spkiOf('rsa', 1536), 'CN=Tessera Test User, OU=Slot 9E'));
  // Key history (5FC10C): one on-card retired certificate, in 82, whose object is corrupt.
  p.card.setCertificate(0x82, Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01));
  p.card.objects.set(0x5fc10c, Buffer.from('c10101c20100fe00', 'hex'));
  return p;
}

describe('PivToken with unusable slots', () => {
  it('lists the good 9A key, signs with it, and reports 9D (X25519), 9E (RSA-1536) and 82 (corrupt) as skipped', async () => {
    const { card } = await spoiledCard();
    const token = await PivToken.open(memory(card));
    const scan = await token.scanKeys();
    expect(scan.keys.map((k) => k.id)).toEqual(['piv:9a']);
    expect(scan.skipped.map((s) => [s.id, s.code])).toEqual([
      ['piv:9d', 'CARD_UNSUPPORTED'], ['piv:9e', 'CARD_UNSUPPORTED'], ['piv:82', 'CARD_MALFORMED_RESPONSE'],
    ]);
    expect(scan.skipped[0]!.reason).toMatch(/unsupported algorithm \(OID 2b656e\)/);
    expect(scan.skipped[1]!.reason).toMatch(/unsupported size \(1536 bits\)/);
    expect(scan.skipped[2]!.label).toMatch(/82|[Rr]etired/);
    // listKeys (CardToken) returns the usable keys only.
    const keys = await token.listKeys();
    expect(keys.map((k) => k.id)).toEqual(['piv:9a']);
    await token.verifyPin('123456');
    const data = new TextEncoder().encode('SSH user-auth data to sign');
    const sig = await keys[0]!.sign(data);
    expect(verify('sha256', data, { key: createPublicKey({ key: Buffer.from(keys[0]!.spki), format: 'der', type: 'spki' }), dsaEncoding: 'der' }, sig)).toBe(true);
  });

  it('on a YubiKey 5.7 whose 9D holds X25519 (GET METADATA algorithm E1), keeps 9A', async () => {
    const p = await provisionPivCard({ profile: 'yubikey5', slots: [{ slot: 0x9a, algorithm: 'p-256' }, { slot: 0x9d, algorithm: 'p-256' }] });
    const x = generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'der' });
    p.card.setCertificate(0x9d, await issueCardCertificate(p.ca, x, 'CN=Tessera Test User, OU=Slot 9D'));
    const point = x.subarray(-32);
    const yk: ApduTransport = {
      async transmit(c) {
        // As a 5.7 key answers for X25519 (yubikit KEY_TYPE.X25519 = E1): 01 E1, 02 policy, 03 origin, 04 { 86 point }.
        if (c[1] === 0xf7 && c[3] === 0x9d) return Uint8Array.from([0x01, 1, 0xe1, 0x02, 2, 1, 1, 0x03, 1, 1, 0x04, 34, 0x86, 32, ...point, 0x90, 0x00]);
        return p.card.handle(c);
      },
    };
    const token = await PivToken.open(yk, { extended: true });
    const scan = await token.scanKeys();
    expect(scan.keys.map((k) => k.id)).toEqual(['piv:9a']);
    expect(scan.skipped.map((s) => [s.id, s.code])).toEqual([['piv:9d', 'CARD_UNSUPPORTED']]);
  });

  it('a corrupt key history object (5FC10C) does not hide the main slots: it is reported, and no retired slot is read', async () => {
    const p = await provisionPivCard({ profile: 'generic', slots: [{ slot: 0x9a, algorithm: 'p-256' }] });
    p.card.objects.set(0x5fc10c, Buffer.from('c105', 'hex')); // a TLV whose length runs past the object
    const scan = await (await PivToken.open(memory(p.card))).scanKeys();
    expect(scan.keys.map((k) => k.id)).toEqual(['piv:9a']);
    expect(scan.skipped.map((s) => [s.id, s.code])).toEqual([['piv:5fc10c', 'CARD_MALFORMED_RESPONSE']]);
    expect(scan.skipped[0]!.label).toBe('Key History object');
  });

  it('still fails the listing on a transport error or a PIN requirement in one slot', async () => {
    const { card } = await spoiledCard();
    const broken: ApduTransport = {
      async transmit(c) {
        if (isGetCertificate(c, 0x9d)) throw Object.assign(new Error('The card was removed from the reader.'), { code: 'CARD_REMOVED' });
        return card.handle(c);
      },
    };
    const err = await (await PivToken.open(broken)).listKeys().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CardTransportError);
    expect((err as CardTransportError).transportCode).toBe('CARD_REMOVED');
    const guarded: ApduTransport = {
      async transmit(c) {
        return isGetCertificate(c, 0x9d) ? Uint8Array.of(0x69, 0x82) : card.handle(c);
      },
    };
    await expect((await PivToken.open(guarded)).scanKeys()).rejects.toBeInstanceOf(SecurityStatusNotSatisfiedError);
  });
});
