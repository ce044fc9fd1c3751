// The PIV client (card/) against the simulated PIV card (sim/piv), in memory, in both
// length modes. Signatures are checked with node:crypto, an independent verifier.
import { describe, expect, it } from 'vitest';
import { createPublicKey, verify, createCipheriv } from 'node:crypto';
import {
  PivToken, PivClient, PinIncorrectError, PinBlockedError, SecurityStatusNotSatisfiedError, CardTransportError,
  parseDerEcdsaSignature, SignatureCheckError, type ApduTransport, type CardKey,
} from '../../card/index.ts';
import { provisionPivCard, PivCard, ManagementKey, SimKey, DEFAULT_MANAGEMENT_KEY, type SimAlgorithm } from '../../sim/index.ts';

const memory = (card: { handle(a: Uint8Array): Promise<Uint8Array> }): ApduTransport => ({ transmit: (c) => card.handle(c) });

function verifyWithNode(key: CardKey, data: Uint8Array, sig: Uint8Array, hash?: string): boolean {
  const pub = createPublicKey({ key: Buffer.from(key.spki), format: 'der', type: 'spki' });
  if (key.algorithm === 'ed25519') return verify(null, data, pub, sig);
  if (key.algorithm.startsWith('rsa-')) return verify(hash ?? 'sha512', data, pub, sig);
  return verify(hash ?? (key.algorithm === 'p-384' ? 'sha384' : 'sha256'), data, { key: pub, dsaEncoding: 'der' }, sig);
}

const isSign = (cmd: Uint8Array) => cmd[1] === 0x87 && cmd[3] !== 0x9b;

const MODES = [
  { name: 'short APDUs only (generic PIV card)', profile: 'generic' as const, extended: false },
  { name: 'extended APDUs (YubiKey 5)', profile: 'yubikey5' as const, extended: true },
];

describe.each(MODES)('PIV client, $name', ({ profile, extended }) => {
  it('lists every key with its certificate and signs with each, verified by node:crypto', async () => {
    const { card, slots } = await provisionPivCard({ profile });
    const token = await PivToken.open(memory(card), { extended });
    expect(token.yubikey !== undefined).toBe(profile === 'yubikey5');
    const keys = await token.listKeys();
    expect(keys.map((k) => k.id)).toEqual([...slots.keys()].map((s) => `piv:${s.toString(16)}`));
    const data = new TextEncoder().encode('SSH user-auth data to sign');
    for (const key of keys) {
      const slot = slots.get(Number.parseInt(key.id.slice(4), 16))!;
      expect(key.algorithm).toBe(slot.algorithm);
      expect(Buffer.from(key.spki).equals(slot.spki)).toBe(true);
      expect(Buffer.from(key.certificate!).equals(Buffer.from(slot.certificate!))).toBe(true);
      if (key.id !== 'piv:9e') await token.verifyPin('123456');
      const sig = await key.sign(data);
      expect(verifyWithNode(key, data, sig), key.id).toBe(true);
    }
    // The short-only card never saw an extended APDU; the extended one got whole certificates.
    if (!extended) expect(card.log.every((e) => e.command.length <= 261)).toBe(true);
    else expect(card.log.some((e) => e.command[1] === 0xc0)).toBe(false);
    expect(card.faults).toEqual([]);
  });

  it('signs with RSA 1024, 3072 and 4096 in retired slots, SHA-256 and SHA-512 DigestInfo', async () => {
    const algorithms: SimAlgorithm[] = ['rsa-1024', 'rsa-3072', 'rsa-4096'];
    const { card } = await provisionPivCard({ profile, slots: algorithms.map((algorithm, i) => ({ slot: 0x82 + i, algorithm })) });
    const token = await PivToken.open(memory(card), { extended });
    const keys = await token.listKeys();
    expect(keys.map((k) => k.algorithm)).toEqual(algorithms);
    await token.verifyPin('123456');
    const data = new TextEncoder().encode('retired slots');
    for (const key of keys) {
      for (const hash of ['SHA-256', 'SHA-512'] as const) {
        const sig = await key.sign(data, hash);
        expect(sig.length).toBe(Number(key.algorithm.slice(4)) / 8);
        expect(verifyWithNode(key, data, sig, hash.replace('-', '').toLowerCase())).toBe(true);
      }
    }
  });

  it('reads gzip- and zlib-compressed certificates', async () => {
    const { card, slots } = await provisionPivCard({ profile, slots: [
      { slot: 0x9a, algorithm: 'p-256', compress: 'gzip' }, { slot: 0x9d, algorithm: 'p-384', compress: 'zlib' }] });
    const token = await PivToken.open(memory(card), { extended });
    const keys = await token.listKeys();
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      const slot = slots.get(Number.parseInt(key.id.slice(4), 16))!;
      expect(Buffer.from(key.certificate!).equals(Buffer.from(slot.certificate!))).toBe(true);
    }
  });

  it('shows the retries after each wrong PIN, blocks at zero, never retries on its own', async () => {
    const { card } = await provisionPivCard({ profile, slots: [{ slot: 0x9a, algorithm: 'p-256' }] });
    const token = await PivToken.open(memory(card), { extended });
    expect(await token.pinState()).toEqual({ verified: false, retriesLeft: 3, blocked: false });
    const before = card.log.length;
    await expect(token.verifyPin('654321')).rejects.toMatchObject({ code: 'PIN_INCORRECT', retriesLeft: 2 });
    expect(card.log.length - before).toBe(1);
    expect(await token.pinState()).toEqual({ verified: false, retriesLeft: 2, blocked: false });
    const e1 = await token.verifyPin('654321').catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(PinIncorrectError);
    expect((e1 as PinIncorrectError).retriesLeft).toBe(1);
    expect((e1 as Error).message).toMatch(/1 try left/);
    await expect(token.verifyPin('654321')).rejects.toBeInstanceOf(PinBlockedError);
    expect(await token.pinState()).toEqual({ verified: false, retriesLeft: 0, blocked: true });
    await expect(token.verifyPin('123456')).rejects.toBeInstanceOf(PinBlockedError);
    const [key] = await token.listKeys();
    await expect(key!.sign(new Uint8Array(8))).rejects.toBeInstanceOf(SecurityStatusNotSatisfiedError);
    expect(card.log.filter((e) => e.command[1] === 0x20 && e.command.length > 5)).toHaveLength(4);
    // PIN format is checked before anything reaches the card.
    const n = card.log.length;
    await expect(token.verifyPin('12')).rejects.toMatchObject({ code: 'CARD_BAD_INPUT' });
    expect(card.log.length).toBe(n);
  });

  it('reports a card removed in the middle of a signature as a transport error; no signature leaves the card', async () => {
    const { card } = await provisionPivCard({ profile, touchDelayMs: 400, slots: [{ slot: 0x9a, algorithm: 'p-256', touchPolicy: 'always' }] });
    const token = await PivToken.open(memory(card), { extended });
    const [key] = await token.listKeys();
    if (profile === 'yubikey5') expect(key!.needsTouch).toBe(true);
    await token.verifyPin('123456');
    const pending = key!.sign(new Uint8Array(32));
    setTimeout(() => card.remove(), 50);
    await expect(pending).rejects.toBeInstanceOf(CardTransportError);
    expect(card.log.filter((e) => isSign(e.command))).toHaveLength(0);
    await expect(token.pinState()).rejects.toMatchObject({ code: 'CARD_TRANSPORT' });
  });
});

describe('PIV card administration (simulator, driven from the test with node:crypto)', () => {
  async function authenticate(client: PivClient, mk: ManagementKey): Promise<void> {
    // SP 800-73-4 Part 2 Appendix A.1: witness, then witness + challenge.
    const cipher = mk.algorithm === 0x03 ? 'des-ede3' : `aes-${mk.key.length * 8}-ecb`;
    const r1 = await client.channel.call({ cla: 0, ins: 0x87, p1: mk.algorithm, p2: 0x9b, data: Uint8Array.of(0x7c, 0x02, 0x80, 0x00), le: 256 });
    const encWitness = r1.subarray(4);
    const d = (await import('node:crypto')).createDecipheriv(cipher, mk.key, null); d.setAutoPadding(false);
    const witness = Buffer.concat([d.update(encWitness), d.final()]);
    const challenge = Buffer.alloc(mk.blockSize, 7);
    const bs = mk.blockSize;
    const body = Buffer.concat([Buffer.from([0x7c, 4 + 2 * bs, 0x80, bs]), witness, Buffer.from([0x81, bs]), challenge]);
    const r2 = await client.channel.call({ cla: 0, ins: 0x87, p1: mk.algorithm, p2: 0x9b, data: body, le: 256 });
    const e = createCipheriv(cipher, mk.key, null); e.setAutoPadding(false);
    expect(Buffer.from(r2.subarray(4)).equals(Buffer.concat([e.update(challenge), e.final()]))).toBe(true);
  }

  it.each([
    ['3DES', new ManagementKey(0x03, DEFAULT_MANAGEMENT_KEY)],
    ['AES-192', new ManagementKey(0x0a, DEFAULT_MANAGEMENT_KEY)],
    ['AES-256', new ManagementKey(0x0c, Buffer.alloc(32, 0x42))],
  ])('authenticates with a %s management key, generates a key, stores a chained certificate, reads it back', async (_n, mk) => {
    const card = new PivCard({ profile: 'generic', managementKey: mk });
    const client = new PivClient(memory(card));
    await client.select();
    const gen = { cla: 0, ins: 0x47, p1: 0, p2: 0x9a, data: Uint8Array.of(0xac, 0x03, 0x80, 0x01, 0x11), le: 256 };
    await expect(client.channel.call(gen)).rejects.toBeInstanceOf(SecurityStatusNotSatisfiedError);
    await authenticate(client, mk);
    const pub = await client.channel.call(gen);
    expect(pub.subarray(0, 2)).toEqual(Uint8Array.of(0x7f, 0x49));
    // A 600-byte object goes through command chaining on a short-only card.
    const blob = new Uint8Array(600).fill(0x5a);
    const put = Buffer.concat([Buffer.from([0x5c, 0x03, 0x5f, 0xc1, 0x09, 0x53, 0x82, 0x02, 0x58]), blob]);
    await client.channel.call({ cla: 0, ins: 0xdb, p1: 0x3f, p2: 0xff, data: put });
    expect(card.log.some((e) => e.command[0] === 0x10)).toBe(true);
    await expect(client.getData(0x5fc109)).rejects.toBeInstanceOf(SecurityStatusNotSatisfiedError);
    await client.verifyPin('123456');
    expect(Buffer.from(await client.getData(0x5fc109)).equals(Buffer.from(blob))).toBe(true);
  });

  it('changes the PIN, and unblocks it with the PUK', async () => {
    const card = new PivCard({ profile: 'yubikey5' });
    const client = new PivClient(memory(card), { extended: true });
    await client.select();
    const pad = (s: string) => { const b = Buffer.alloc(8, 0xff); b.write(s); return b; };
    await client.channel.call({ cla: 0, ins: 0x24, p1: 0, p2: 0x80, data: Buffer.concat([pad('123456'), pad('24681357')]) });
    await expect(client.verifyPin('123456')).rejects.toMatchObject({ retriesLeft: 2 });
    await client.verifyPin('24681357');
    for (let i = 0; i < 3; i++) await client.verifyPin('000000').catch(() => undefined);
    expect((await client.pinStatus()).blocked).toBe(true);
    await client.channel.call({ cla: 0, ins: 0x2c, p1: 0, p2: 0x80, data: Buffer.concat([pad('12345678'), pad('135790')]) });
    await client.verifyPin('135790');
    expect(await client.pinStatus()).toEqual({ verified: true, blocked: false });
  });
});

describe('PIV data objects', () => {
  it('reads discovery (as OpenSC does), CHUID, CCC and the application template', async () => {
    const { card } = await provisionPivCard({ profile: 'generic', slots: [{ slot: 0x9a, algorithm: 'p-256' }] });
    const client = new PivClient(memory(card));
    const app = await client.select();
    expect(Buffer.from(app.aid).toString('hex')).toBe('000010000100');
    expect(app.algorithms).toContain(0x11);
    const discovery = await client.readDiscovery();
    expect(Buffer.from(discovery!.aid).toString('hex')).toBe('a000000308000010000100');
    expect(Array.from(discovery!.pinPolicy)).toEqual([0x40, 0x00]);
    expect(card.log.some((e) => Buffer.from(e.command).toString('hex') === '00cb3fff035c017e00')).toBe(true);
    const chuid = await client.readChuid();
    expect(chuid!.fascn!.length).toBe(25);
    expect(chuid!.guid!.length).toBe(16);
    expect(chuid!.expiration).toBe('20301231');
    const ccc = await client.readCcc();
    expect(ccc![0]).toBe(0xf0);
    expect(await client.readKeyHistory()).toBeUndefined();
  });

  it('blocks the PUK after three wrong RESET RETRY COUNTER attempts', async () => {
    const card = new PivCard({ profile: 'generic' });
    const client = new PivClient(memory(card));
    await client.select();
    const pad = (x: string) => { const b = Buffer.alloc(8, 0xff); b.write(x); return b; };
    const reset = (puk: string) => client.channel.send({ cla: 0, ins: 0x2c, p1: 0, p2: 0x80, data: Buffer.concat([pad(puk), pad('654321')]) });
    expect((await reset('00000000')).sw).toBe(0x63c2);
    expect((await reset('00000000')).sw).toBe(0x63c1);
    expect((await reset('00000000')).sw).toBe(0x6983);
    expect((await reset('12345678')).sw).toBe(0x6983);
    expect(card.pukLeft).toBe(0);
    await expect(client.verifyPin('654321')).rejects.toMatchObject({ code: 'PIN_INCORRECT', retriesLeft: 2 });
  });
});

describe('YubiKey extensions', () => {
  it('reads version, serial, and a key without certificate from GET METADATA', async () => {
    const { card, slots } = await provisionPivCard({ profile: 'yubikey5', serial: 31337, slots: [
      { slot: 0x9a, algorithm: 'ed25519', certificate: false, touchPolicy: 'cached', pinPolicy: 'always' }] });
    const token = await PivToken.open(memory(card), { extended: true });
    expect(token.yubikey).toEqual({ major: 5, minor: 7, patch: 1 });
    expect(await token.serial()).toBe(31337);
    const [key] = await token.listKeys();
    expect(key!.certificate).toBeUndefined();
    expect(Buffer.from(key!.spki).equals(slots.get(0x9a)!.spki)).toBe(true);
    expect(key!.pinPolicy).toBe('always');
    expect(key!.touchPolicy).toBe('cached');
    expect(key!.needsTouch).toBe(true);
    await token.verifyPin('123456');
    const msg = new TextEncoder().encode('ed25519 message');
    expect(verifyWithNode(key!, msg, await key!.sign(msg))).toBe(true);
    // PIN policy "always": a second signature needs a second VERIFY.
    await expect(key!.sign(msg)).rejects.toBeInstanceOf(SecurityStatusNotSatisfiedError);
    expect(card.touches).toBe(1);
  });

  it('catches a slot whose key no longer matches its certificate before the signature is used', async () => {
    const { card } = await provisionPivCard({ profile: 'generic', slots: [{ slot: 0x9a, algorithm: 'p-256' }] });
    card.setKey(0x9a, SimKey.generate('p-256'));
    const token = await PivToken.open(memory(card));
    const [key] = await token.listKeys();
    await token.verifyPin('123456');
    await expect(key!.sign(new Uint8Array(8))).rejects.toMatchObject({ code: 'CARD_BAD_SIGNATURE' });
    await expect(key!.sign(new Uint8Array(8))).rejects.toBeInstanceOf(SignatureCheckError);
  });

  it('converts a DER ECDSA signature to (r, s)', async () => {
    const { card } = await provisionPivCard({ profile: 'yubikey5', slots: [{ slot: 0x9e, algorithm: 'p-384' }] });
    const token = await PivToken.open(memory(card), { extended: true });
    const [key] = await token.listKeys();
    const { r, s } = parseDerEcdsaSignature(await key!.sign(new Uint8Array(10)));
    expect(r > 0n && s > 0n).toBe(true);
    expect(r.toString(16).length).toBeLessThanOrEqual(96);
  });
});
