// Signature primitives for SSH keys: Ed25519 through the crypto backend (libsodium by default), ECDSA and RSA through WebCrypto.
// Only primitives live here; the SSH encodings (RFC 4253 §6.6, RFC 5656 §3.1.2, RFC 8332 §3) are in ../keys/.
import { cryptoBackend } from './active-backend.ts';

/** WebCrypto wants an ArrayBuffer-backed view; copy when the bytes live in a shared or foreign buffer. */
function buf(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return b.buffer instanceof ArrayBuffer ? (b as Uint8Array<ArrayBuffer>) : new Uint8Array(b);
}

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;

export type EcdsaCurve = 'P-256' | 'P-384' | 'P-521';
export type RsaHash = 'SHA-1' | 'SHA-256' | 'SHA-512';

/** RFC 5656 §6.2.1: the hash follows the curve size. */
export const ECDSA_HASH: Record<EcdsaCurve, 'SHA-256' | 'SHA-384' | 'SHA-512'> = {
  'P-256': 'SHA-256',
  'P-384': 'SHA-384',
  'P-521': 'SHA-512',
};

/** Byte length of a field element (and of r, s in IEEE P1363 form). */
export const ECDSA_FIELD_BYTES: Record<EcdsaCurve, number> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };

// --- Ed25519 (RFC 8032) through the crypto backend (libsodium by default) ---------------------

export async function ed25519Verify(publicKey: Uint8Array, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  return cryptoBackend().ed25519Verify(publicKey, signature, data);
}

/** `secretKey` is libsodium's 64-byte form: seed || public key (also OpenSSH's on-disk form). */
export async function ed25519Sign(secretKey: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  if (secretKey.length !== 64) throw new RangeError('Ed25519 secret key must be 64 bytes');
  return cryptoBackend().ed25519Sign(secretKey, data);
}

/** Public key of a 32-byte seed, for checking a private key file's consistency. */
export async function ed25519PublicFromSeed(seed: Uint8Array): Promise<Uint8Array> {
  if (seed.length !== 32) throw new RangeError('Ed25519 seed must be 32 bytes');
  return cryptoBackend().ed25519PublicFromSeed(seed);
}

// --- ECDSA on NIST curves through WebCrypto -------------------------------------------------

/** Verifies an IEEE P1363 (r || s) signature against an uncompressed SEC1 point. */
export async function ecdsaVerify(curve: EcdsaCurve, point: Uint8Array, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  let key: CryptoKey;
  try {
    key = await subtle().importKey('raw', buf(point), { name: 'ECDSA', namedCurve: curve }, false, ['verify']);
  } catch {
    return false; // not a point on the curve
  }
  return subtle().verify({ name: 'ECDSA', hash: ECDSA_HASH[curve] }, key, buf(signature), buf(data));
}

export interface EcdsaPrivateJwk { curve: EcdsaCurve; x: Uint8Array; y: Uint8Array; d: Uint8Array }

export async function ecdsaImportPrivate(k: EcdsaPrivateJwk): Promise<CryptoKey> {
  const jwk: JsonWebKey = { kty: 'EC', crv: k.curve, x: b64url(k.x), y: b64url(k.y), d: b64url(k.d), ext: false };
  return subtle().importKey('jwk', jwk, { name: 'ECDSA', namedCurve: k.curve }, false, ['sign']);
}

/** Returns r || s (IEEE P1363), as WebCrypto does. */
export async function ecdsaSign(curve: EcdsaCurve, key: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().sign({ name: 'ECDSA', hash: ECDSA_HASH[curve] }, key, buf(data)));
}

// --- RSA (RSASSA-PKCS1-v1_5, RFC 8017 §8.2) through WebCrypto ----------------------------

/** `n` and `e` are unsigned big-endian magnitudes. */
export async function rsaVerify(hash: RsaHash, n: Uint8Array, e: Uint8Array, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  let key: CryptoKey;
  try {
    key = await subtle().importKey('jwk', { kty: 'RSA', n: b64url(n), e: b64url(e), ext: true },
      { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['verify']);
  } catch {
    return false;
  }
  return subtle().verify('RSASSA-PKCS1-v1_5', key, buf(signature), buf(data));
}

export interface RsaPrivateJwk { n: Uint8Array; e: Uint8Array; d: Uint8Array; p: Uint8Array; q: Uint8Array; dp: Uint8Array; dq: Uint8Array; qi: Uint8Array }

export async function rsaImportPrivate(k: RsaPrivateJwk, hash: RsaHash): Promise<CryptoKey> {
  const jwk: JsonWebKey = {
    kty: 'RSA', n: b64url(k.n), e: b64url(k.e), d: b64url(k.d), p: b64url(k.p), q: b64url(k.q),
    dp: b64url(k.dp), dq: b64url(k.dq), qi: b64url(k.qi), ext: false,
  };
  return subtle().importKey('jwk', jwk, { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['sign']);
}

export async function rsaSign(key: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().sign('RSASSA-PKCS1-v1_5', key, buf(data)));
}

// --- HMAC-SHA1: required by the hashed known_hosts name format (sshd(8), "|1|salt|hash") ---

export async function hmacSha1(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await subtle().importKey('raw', buf(key), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  return new Uint8Array(await subtle().sign('HMAC', k, buf(data)));
}

function b64url(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
