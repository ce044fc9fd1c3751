// The page's card signers (identity/'s encoding plus the touch prompt), checked against node:crypto as an
// independent implementation: the public key blobs (RFC 5656 §3.1, RFC 4253 §6.6) and signatures that verify.
import { generateKeyPairSync, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CardKey } from '../../card/index.ts';
import { cardSshSigner } from './ssh-signer.ts';

/** Reads RFC 4251 strings from an SSH blob. */
function strings(blob: Uint8Array): Buffer[] {
  const b = Buffer.from(blob);
  const out: Buffer[] = [];
  for (let p = 0; p < b.length;) { const n = b.readUInt32BE(p); out.push(b.subarray(p + 4, p + 4 + n)); p += 4 + n; }
  return out;
}

/** The part of card/'s CardKey a signer uses; a PIV card would answer the same way. */
function cardKey(algorithm: string, privateKey: KeyObject, publicKey: KeyObject): CardKey {
  return {
    algorithm, needsTouch: algorithm === 'p-256',
    spki: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
    // What a PIV card returns: DER ECDSA, or a PKCS#1 v1.5 signature for RSA.
    async sign(data: Uint8Array, hash?: string) { return new Uint8Array(nodeSign(hash ?? null, data, privateKey)); },
  } as unknown as CardKey;
}

describe('card keys as SSH signers', () => {
  it('ecdsa-sha2-nistp256: the blob carries the point, the signature verifies, touch is announced', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const touches: boolean[] = [];
    const signer = await cardSshSigner(cardKey('p-256', privateKey, publicKey), (t) => touches.push(t));
    const [type, curve, point] = strings(signer.publicKey);
    const jwk = publicKey.export({ format: 'jwk' });
    expect(type!.toString()).toBe('ecdsa-sha2-nistp256');
    expect(curve!.toString()).toBe('nistp256');
    expect(point!.equals(Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]))).toBe(true);
    const data = new TextEncoder().encode('session id and userauth request');
    const [algo, inner] = strings(await signer.sign('ecdsa-sha2-nistp256', data));
    expect(algo!.toString()).toBe('ecdsa-sha2-nistp256');
    const [r, s] = strings(inner!);
    const fixed = (x: Buffer) => Buffer.concat([Buffer.alloc(32), x]).subarray(-32);
    expect(nodeVerify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.concat([fixed(r!), fixed(s!)]))).toBe(true);
    expect(touches).toEqual([true, false]);
    await expect(signer.sign('rsa-sha2-256', data)).rejects.toMatchObject({ code: 'CARD_ALGORITHM' });
  });

  it('rsa-sha2-512 and rsa-sha2-256 over an ssh-rsa blob', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signer = await cardSshSigner(cardKey('rsa-2048', privateKey, publicKey), () => undefined);
    const [type, e, n] = strings(signer.publicKey);
    const jwk = publicKey.export({ format: 'jwk' });
    expect(type!.toString()).toBe('ssh-rsa');
    expect(e!.equals(Buffer.from(jwk.e!, 'base64url'))).toBe(true);
    expect(n!.equals(Buffer.concat([Buffer.from([0]), Buffer.from(jwk.n!, 'base64url')]))).toBe(true); // mpint: top bit set
    const data = new TextEncoder().encode('data');
    for (const [algorithm, hash] of [['rsa-sha2-512', 'sha512'], ['rsa-sha2-256', 'sha256']] as const) {
      const [name, sig] = strings(await signer.sign(algorithm, data));
      expect(name!.toString()).toBe(algorithm);
      expect(nodeVerify(hash, data, publicKey, sig!)).toBe(true);
    }
  });

  it('ssh-ed25519', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const signer = await cardSshSigner(cardKey('ed25519', privateKey, publicKey), () => undefined);
    const [type, raw] = strings(signer.publicKey);
    expect(type!.toString()).toBe('ssh-ed25519');
    expect(raw!.equals(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url'))).toBe(true);
    const data = new TextEncoder().encode('data');
    const [, sig] = strings(await signer.sign('ssh-ed25519', data));
    expect(nodeVerify(null, data, publicKey, sig!)).toBe(true);
  });

  it('a malformed ECDSA signature from the card is a typed error, never a crash', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    for (const garbage of [[], [0x30, 0x00], [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x05, 0x01], [0x31, 0x03, 0x02, 0x01, 0x01]]) {
      const key = { ...cardKey('p-256', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, publicKey), sign: async () => Uint8Array.from(garbage) } as unknown as CardKey;
      const signer = await cardSshSigner(key, () => undefined);
      await expect(signer.sign('ecdsa-sha2-nistp256', new Uint8Array(8))).rejects.toHaveProperty('code');
    }
  });
});
