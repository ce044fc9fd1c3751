// ECDH on the NIST curves through WebCrypto (RFC 5656 §4: Q_C / Q_S are uncompressed points, SEC1 §2.3.3).
import { SshCryptoError } from './errors.ts';

export type NistCurve = 'P-256' | 'P-384' | 'P-521';

const FIELD_BITS: Readonly<Record<NistCurve, number>> = { 'P-256': 256, 'P-384': 384, 'P-521': 528 };

export interface EcdhKeyPair { privateKey: CryptoKey; publicKey: Uint8Array; curve: NistCurve }

export async function ecdhKeyPair(curve: NistCurve): Promise<EcdhKeyPair> {
  const subtle = globalThis.crypto.subtle;
  const pair = (await subtle.generateKey({ name: 'ECDH', namedCurve: curve }, false, ['deriveBits'])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, publicKey, curve };
}

/** The shared x coordinate. WebCrypto's import validates that the peer point is on the curve (RFC 5656 §4 requires it). */
export async function ecdhSharedSecret(pair: EcdhKeyPair, peerPublic: Uint8Array): Promise<Uint8Array> {
  const subtle = globalThis.crypto.subtle;
  let peer: CryptoKey;
  try {
    peer = await subtle.importKey('raw', peerPublic as Uint8Array<ArrayBuffer>, { name: 'ECDH', namedCurve: pair.curve }, false, []);
  } catch (cause) {
    throw new SshCryptoError('ECDH_BAD_PUBLIC_KEY', `the peer's ${pair.curve} public point is invalid`, { cause });
  }
  return new Uint8Array(await subtle.deriveBits({ name: 'ECDH', public: peer }, pair.privateKey, FIELD_BITS[pair.curve]));
}
