// The OpenPGP card client (card/) against the simulated OpenPGP card 3.4 (sim/openpgp),
// in memory, for every algorithm and both length modes; signatures checked by node:crypto.
import { describe, expect, it } from 'vitest';
import { createPublicKey, verify } from 'node:crypto';
import { OpenPgpToken, PinIncorrectError, PinBlockedError, SecurityStatusNotSatisfiedError, type ApduTransport } from '../../card/index.ts';
import { provisionOpenPgpCard, type SimAlgorithm } from '../../sim/index.ts';

const memory = (card: { handle(a: Uint8Array): Promise<Uint8Array> }): ApduTransport => ({ transmit: (c) => card.handle(c) });
const ALGORITHMS: SimAlgorithm[] = ['rsa-2048', 'p-256', 'p-384', 'ed25519'];
const HASH: Record<string, string | null> = { 'rsa-2048': 'sha512', 'p-256': 'sha256', 'p-384': 'sha384', ed25519: null };

describe.each([false, true])('OpenPGP client, extended length %s', (extended) => {
  it.each(ALGORITHMS)('reads the %s authentication key and certificate, signs after VERIFY PW1 82', async (algorithm) => {
    const { card, spki, certificate } = await provisionOpenPgpCard({ algorithm, extendedLength: extended });
    const token = await OpenPgpToken.open(memory(card), { extended });
    expect(token.application.version).toBe('3.4');
    expect(token.application.algorithms.aut).toBe(algorithm);
    const [key] = await token.listKeys();
    expect(key!.algorithm).toBe(algorithm);
    expect(Buffer.from(key!.spki).equals(spki)).toBe(true);
    expect(Buffer.from(key!.certificate!).equals(Buffer.from(certificate!))).toBe(true);
    const data = new TextEncoder().encode(`OpenPGP ${algorithm}`);
    await expect(key!.sign(data)).rejects.toBeInstanceOf(SecurityStatusNotSatisfiedError);
    expect(await token.pinState()).toEqual({ verified: false, retriesLeft: 3, blocked: false });
    await token.verifyPin('123456');
    const sig = await key!.sign(data);
    const pub = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    const ec = algorithm.startsWith('p-');
    expect(verify(HASH[algorithm]!, data, ec ? { key: pub, dsaEncoding: 'der' } : pub, sig)).toBe(true);
    // The SELECT DATA for DO 7F21 went to the card before GET DATA 7F21.
    const i = card.log.findIndex((e) => e.command[1] === 0xa5);
    expect(card.log[i + 1]!.command.subarray(1, 4)).toEqual(Uint8Array.of(0xca, 0x7f, 0x21));
    if (!extended) expect(card.log.every((e) => e.command.length <= 261)).toBe(true);
    expect(card.faults).toEqual([]);
  });
});

describe('YubiKey OpenPGP applet', () => {
  it.each([[[5, 4, 3], '00a50004070660045c027f21'], [[5, 7, 1], '00a500040660045c027f21']] as const)(
    'firmware %j: SELECT DATA as the firmware expects it', async (version, selectData) => {
      const { card, certificate } = await provisionOpenPgpCard({ algorithm: 'p-256', yubikey: version });
      const token = await OpenPgpToken.open(memory(card), { extended: true });
      expect(token.client.yubikeyVersion).toEqual(version);
      const [key] = await token.listKeys();
      expect(Buffer.from(key!.certificate!).equals(Buffer.from(certificate!))).toBe(true);
      expect(card.log.some((e) => Buffer.from(e.command).toString('hex') === selectData)).toBe(true);
    });
});

describe('OpenPGP wrong PIN', () => {
  it('counts down, blocks, and never retries', async () => {
    const { card } = await provisionOpenPgpCard({ algorithm: 'p-256' });
    const token = await OpenPgpToken.open(memory(card), { extended: true });
    await expect(token.verifyPin('000000')).rejects.toMatchObject({ retriesLeft: 2 });
    await expect(token.verifyPin('000000')).rejects.toBeInstanceOf(PinIncorrectError);
    expect(await token.pinState()).toMatchObject({ retriesLeft: 1 });
    await expect(token.verifyPin('000000')).rejects.toBeInstanceOf(PinBlockedError);
    await expect(token.verifyPin('123456')).rejects.toBeInstanceOf(PinBlockedError);
    expect(await token.pinState()).toEqual({ verified: false, retriesLeft: 0, blocked: true });
    expect(card.log.filter((e) => e.command[1] === 0x20 && e.command.length > 5)).toHaveLength(4);
  });

  it('reports no certificate when DO 7F21 is empty', async () => {
    const { card } = await provisionOpenPgpCard({ algorithm: 'ed25519', certificate: false });
    const token = await OpenPgpToken.open(memory(card));
    const [key] = await token.listKeys();
    expect(key!.certificate).toBeUndefined();
  });
});
