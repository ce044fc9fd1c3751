// Real keys for the simulated cards: node:crypto for RSA and Ed25519, @noble/curves for
// ECDSA over a digest the host computed (SP 800-73-4 Part 2 §3.2.4: the card signs the
// hash it is given; node:crypto would hash again).
import { createPrivateKey, createPublicKey, generateKeyPairSync, privateDecrypt, sign as nodeSign, constants, type KeyObject } from 'node:crypto';
import { p256, p384 } from '@noble/curves/nist';

export type SimAlgorithm = 'rsa-1024' | 'rsa-2048' | 'rsa-3072' | 'rsa-4096' | 'p-256' | 'p-384' | 'ed25519';

/** PIV algorithm identifiers (SP 800-78-4 Table 6-2; Yubico E0 Ed25519). */
export const PIV_ALG_ID: Record<SimAlgorithm, number> = {
  'rsa-1024': 0x06, 'rsa-2048': 0x07, 'rsa-3072': 0x05, 'rsa-4096': 0x16, 'p-256': 0x11, 'p-384': 0x14, 'ed25519': 0xe0,
};

export function algorithmOfId(id: number): SimAlgorithm | undefined {
  return (Object.keys(PIV_ALG_ID) as SimAlgorithm[]).find((a) => PIV_ALG_ID[a] === id);
}

export class SimKey {
  readonly publicKey: KeyObject;
  private readonly ecScalar: Uint8Array | undefined;
  constructor(readonly algorithm: SimAlgorithm, readonly privateKey: KeyObject) {
    this.publicKey = createPublicKey(privateKey);
    if (algorithm === 'p-256' || algorithm === 'p-384') {
      const d = privateKey.export({ format: 'jwk' }).d;
      if (!d) throw new Error('EC key without private scalar');
      this.ecScalar = Buffer.from(d, 'base64url');
    }
  }

  static generate(algorithm: SimAlgorithm): SimKey {
    if (algorithm.startsWith('rsa-')) {
      return new SimKey(algorithm, generateKeyPairSync('rsa', { modulusLength: Number(algorithm.slice(4)), publicExponent: 65537 }).privateKey);
    }
    if (algorithm === 'ed25519') return new SimKey(algorithm, generateKeyPairSync('ed25519').privateKey);
    return new SimKey(algorithm, generateKeyPairSync('ec', { namedCurve: algorithm === 'p-256' ? 'prime256v1' : 'secp384r1' }).privateKey);
  }

  static fromPkcs8(algorithm: SimAlgorithm, der: Uint8Array): SimKey {
    return new SimKey(algorithm, createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' }));
  }

  get isRsa(): boolean {
    return this.algorithm.startsWith('rsa-');
  }

  get modulusBytes(): number {
    return Number(this.algorithm.slice(4)) / 8;
  }

  spki(): Buffer {
    return this.publicKey.export({ format: 'der', type: 'spki' });
  }

  /** The PIV/OpenPGP public key template content: 81 n 82 e (RSA) or 86 point. */
  publicParts(): { n: Buffer; e: Buffer } | { point: Buffer } {
    const jwk = this.publicKey.export({ format: 'jwk' });
    if (this.isRsa) return { n: Buffer.from(jwk.n!, 'base64url'), e: Buffer.from(jwk.e!, 'base64url') };
    if (this.algorithm === 'ed25519') return { point: Buffer.from(jwk.x!, 'base64url') };
    return { point: Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]) };
  }

  /** Raw RSA private operation (m^d mod n) on a full-length block. */
  rsaRaw(block: Uint8Array): Buffer {
    return privateDecrypt({ key: this.privateKey, padding: constants.RSA_NO_PADDING }, block);
  }

  /** RSA PKCS#1 v1.5 signature of a DigestInfo (OpenPGP cards pad on the card). */
  rsaPkcs1(digestInfo: Uint8Array): Buffer {
    const k = this.modulusBytes;
    if (digestInfo.length > k - 11) throw new RangeError('DigestInfo too long');
    const em = Buffer.alloc(k, 0xff);
    em[0] = 0; em[1] = 1; em[k - digestInfo.length - 1] = 0;
    Buffer.from(digestInfo).copy(em, k - digestInfo.length);
    return this.rsaRaw(em);
  }

  /** ECDSA over a digest; DER or raw r||s. */
  ecdsa(digest: Uint8Array, format: 'der' | 'raw'): Buffer {
    const curve = this.algorithm === 'p-256' ? p256 : p384;
    const sig = curve.sign(digest, this.ecScalar!, { prehash: false, lowS: false });
    return Buffer.from(format === 'der' ? sig.toDERRawBytes() : sig.toCompactRawBytes());
  }

  /** ECDH shared secret (x coordinate) with a peer point (PIV key management, tag 85). */
  ecdh(point: Uint8Array): Buffer {
    const curve = this.algorithm === 'p-256' ? p256 : p384;
    return Buffer.from(curve.getSharedSecret(this.ecScalar!, point, true).subarray(1));
  }

  ed25519(message: Uint8Array): Buffer {
    return nodeSign(null, message, this.privateKey);
  }
}
