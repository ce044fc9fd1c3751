// Published vectors for every primitive the transport uses, and node:crypto as an independent check.
import { describe, expect, it } from 'vitest';
import { createCipheriv, createHash, getDiffieHellman } from 'node:crypto';
import {
  aesCtr, aesGcmDecrypt, aesGcmEncrypt, chachaPoly, DH_GROUPS, digest, dhKeyPair, dhSharedSecret, ecdhKeyPair, ecdhSharedSecret,
  hmacSign, hmacVerify, importAesCtrKey, importAesGcmKey, importHmacKey, mlkem768Decapsulate, mlkem768Encapsulate, mlkem768KeyPair,
  modPow, x25519SharedSecret, SshCryptoError,
} from './index.ts';

const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/[\s:]/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('ChaCha20 and Poly1305 (RFC 8439)', () => {
  it('encrypts the §2.4.2 sunscreen vector (64-bit nonce form: counter 1, nonce = bytes 4..11 of 000000000000004a00000000)', async () => {
    const cp = await chachaPoly();
    const key = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    const plain = new TextEncoder().encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    // RFC 8439's 96-bit nonce 000000000000004a00000000 = 32-bit counter word 0 ... the original 64-bit-nonce ChaCha20 sees
    // block counter (counter | nonce[0..3] << 32) and nonce bytes 4..11.
    const out = cp.xor(plain, hex('0000004a00000000'), 1, key);
    expect(toHex(out)).toBe(
      '6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8'
      + '07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d');
  });

  it('computes and verifies the §2.5.2 Poly1305 tag, and refuses a changed one', async () => {
    const cp = await chachaPoly();
    const key = hex('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b');
    const msg = new TextEncoder().encode('Cryptographic Forum Research Group');
    const tag = cp.poly1305(msg, key);
    expect(toHex(tag)).toBe('a8061dc1305136c6c22b8baf0c0127a9');
    expect(cp.poly1305Verify(tag, msg, key)).toBe(true);
    tag[0]! ^= 1;
    expect(cp.poly1305Verify(tag, msg, key)).toBe(false);
  });

  it('matches node:crypto chacha20 at any block counter (independent implementation)', async () => {
    const cp = await chachaPoly();
    const key = hex('11'.repeat(32));
    const nonce = hex('0000000000000007');
    const data = new Uint8Array(1000).map((_, i) => i);
    const iv = new Uint8Array(16);
    iv[0] = 5; // 64-bit little-endian block counter, then the 64-bit nonce
    iv.set(nonce, 8);
    const theirs = createCipheriv('chacha20', key, iv).update(data);
    expect(toHex(cp.xor(data, nonce, 5, key))).toBe(theirs.toString('hex'));
  });
});

describe('X25519 (RFC 7748 §6.1)', () => {
  it('agrees on the published shared secret', async () => {
    const alice = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const bobPublic = hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    expect(toHex(await x25519SharedSecret(alice, bobPublic))).toBe('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
  });

  it('refuses a low-order point and a wrong length', async () => {
    const alice = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    await expect(x25519SharedSecret(alice, new Uint8Array(32))).rejects.toMatchObject({ code: 'X25519_ZERO_SHARED_SECRET' });
    await expect(x25519SharedSecret(alice, new Uint8Array(31))).rejects.toBeInstanceOf(SshCryptoError);
  });
});

describe('AES-GCM (McGrew-Viega test case 4, NIST SP 800-38D)', () => {
  const key = hex('feffe9928665731c6d6a8f9467308308');
  const iv = hex('cafebabefacedbaddecaf888');
  const aad = hex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
  const plain = hex('d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39');
  const sealed = '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091'
    + '5bc94fbc3221a5db94fae95ae7121a47';

  it('seals and opens the published vector, and refuses a changed tag', async () => {
    const k = await importAesGcmKey(key);
    expect(toHex(await aesGcmEncrypt(k, iv, aad, plain))).toBe(sealed);
    expect(toHex((await aesGcmDecrypt(k, iv, aad, hex(sealed)))!)).toBe(toHex(plain));
    const bad = hex(sealed);
    bad[bad.length - 1]! ^= 1;
    expect(await aesGcmDecrypt(k, iv, aad, bad)).toBeUndefined();
  });
});

describe('AES-CTR (SP 800-38A F.5.1) and HMAC-SHA-256 (RFC 4231 case 2)', () => {
  it('AES-128-CTR with the full-block counter', async () => {
    const k = await importAesCtrKey(hex('2b7e151628aed2a6abf7158809cf4f3c'));
    const out = await aesCtr(k, hex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'), hex('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51'));
    expect(toHex(out)).toBe('874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff');
  });

  it('HMAC-SHA-256 signs and verifies', async () => {
    const k = await importHmacKey(new TextEncoder().encode('Jefe'), 'SHA-256');
    const data = new TextEncoder().encode('what do ya want for nothing?');
    const mac = await hmacSign(k, data);
    expect(toHex(mac)).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    expect(await hmacVerify(k, mac, data)).toBe(true);
    mac[3]! ^= 0x10;
    expect(await hmacVerify(k, mac, data)).toBe(false);
  });
});

describe('finite-field DH (RFC 3526 groups)', () => {
  it.each(['group14', 'group16', 'group18'] as const)('%s prime equals node:crypto\'s modp prime', (g) => {
    const name = { group14: 'modp14', group16: 'modp16', group18: 'modp18' }[g];
    expect(DH_GROUPS[g].p.toString(16)).toBe(getDiffieHellman(name).getPrime('hex').replace(/^0+/, ''));
  });

  it('modPow matches BigInt arithmetic and two parties agree', () => {
    expect(modPow(3n, 1000n, 1000003n, 10)).toBe(3n ** 1000n % 1000003n);
    const g = DH_GROUPS.group14;
    const a = dhKeyPair(g);
    const b = dhKeyPair(g);
    expect(dhSharedSecret(a, b.e)).toBe(dhSharedSecret(b, a.e));
  });

  it('refuses f outside 1 < f < p-1', () => {
    const a = dhKeyPair(DH_GROUPS.group14);
    for (const f of [0n, 1n, DH_GROUPS.group14.p - 1n, DH_GROUPS.group14.p]) {
      expect(() => dhSharedSecret(a, f)).toThrow(expect.objectContaining({ code: 'DH_BAD_PUBLIC_VALUE' }));
    }
  });
});

describe('ECDH and ML-KEM-768', () => {
  it.each(['P-256', 'P-384', 'P-521'] as const)('%s: both sides derive the same secret; an off-curve point is refused', async (curve) => {
    const a = await ecdhKeyPair(curve);
    const b = await ecdhKeyPair(curve);
    expect(toHex(await ecdhSharedSecret(a, b.publicKey))).toBe(toHex(await ecdhSharedSecret(b, a.publicKey)));
    const bad = b.publicKey.slice();
    bad[bad.length - 1]! ^= 1;
    await expect(ecdhSharedSecret(a, bad)).rejects.toMatchObject({ code: 'ECDH_BAD_PUBLIC_KEY' });
  });

  it('ML-KEM-768 encapsulation and decapsulation agree', async () => {
    const kp = await mlkem768KeyPair();
    expect(kp.publicKey.length).toBe(1184);
    const { ciphertext, sharedSecret } = await mlkem768Encapsulate(kp.publicKey);
    expect(toHex(await mlkem768Decapsulate(ciphertext, kp.privateKey))).toBe(toHex(sharedSecret));
    await expect(mlkem768Decapsulate(ciphertext.subarray(1), kp.privateKey)).rejects.toMatchObject({ code: 'MLKEM_BAD_CIPHERTEXT' });
  });

  it('SHA-2 digests match node:crypto', async () => {
    const d = new TextEncoder().encode('abc');
    for (const [ours, theirs] of [['SHA-256', 'sha256'], ['SHA-384', 'sha384'], ['SHA-512', 'sha512']] as const) {
      expect(toHex(await digest(ours, d))).toBe(createHash(theirs).update(d).digest('hex'));
    }
  });
});
