// A card key's SubjectPublicKeyInfo as an SSH public key: ssh-rsa (RFC 4253 §6.6),
// ecdsa-sha2-nistp256/384 (RFC 5656 §3.1), ssh-ed25519 (RFC 8709 §4). WebCrypto parses the SPKI.
import type { KeyAlgorithm } from '../card/index.ts';
import { encodePublicKey, type PublicKey } from '../ssh-proto/index.ts';
import { IdentityError } from './errors.ts';

/** RFC 8410 §4: SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (32 bytes) }. */
const ED25519_SPKI_PREFIX = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

function base64UrlBytes(s: string): Uint8Array {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.slice(i);
}

/** The SSH key of a card key, in ssh-proto's PublicKey shape. */
export async function sshPublicKeyOf(spki: Uint8Array, algorithm: KeyAlgorithm): Promise<PublicKey> {
  const der = spki.slice();
  try {
    if (algorithm === 'ed25519') {
      if (der.length !== 44 || !ED25519_SPKI_PREFIX.every((x, i) => der[i] === x)) throw new Error('not an Ed25519 SPKI');
      return { type: 'ssh-ed25519', key: der.slice(12) };
    }
    if (algorithm === 'p-256' || algorithm === 'p-384') {
      const curve = algorithm === 'p-256' ? 'P-256' : 'P-384';
      const key = await crypto.subtle.importKey('spki', der, { name: 'ECDSA', namedCurve: curve }, true, ['verify']);
      const point = new Uint8Array(await crypto.subtle.exportKey('raw', key));
      return algorithm === 'p-256'
        ? { type: 'ecdsa-sha2-nistp256', curveName: 'nistp256', curve: 'P-256', point }
        : { type: 'ecdsa-sha2-nistp384', curveName: 'nistp384', curve: 'P-384', point };
    }
    const key = await crypto.subtle.importKey('spki', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify']);
    const jwk = await crypto.subtle.exportKey('jwk', key);
    const n = stripZeros(base64UrlBytes(jwk.n ?? ''));
    const e = stripZeros(base64UrlBytes(jwk.e ?? ''));
    return { type: 'ssh-rsa', n, e, bits: (n.length * 8) - Math.clz32(n[0] ?? 0) + 24 };
  } catch (err) {
    throw new IdentityError('KEY_UNSUPPORTED', `The card key (${algorithm}) could not be read as an SSH public key.`, { cause: err });
  }
}

/** The SSH public-key blob of a card key. */
export async function sshPublicKeyBlob(spki: Uint8Array, algorithm: KeyAlgorithm): Promise<Uint8Array> {
  return encodePublicKey(await sshPublicKeyOf(spki, algorithm));
}

/**
 * Plain signature algorithms for a card key, preferred first. RSA: rsa-sha2-512 then rsa-sha2-256 (RFC 8332);
 * never ssh-rsa, whose SHA-1 the card layer does not build. ssh-proto orders them by server-sig-algs (RFC 8308 §3.1).
 */
export function plainAlgorithms(algorithm: KeyAlgorithm): string[] {
  if (algorithm === 'ed25519') return ['ssh-ed25519'];
  if (algorithm === 'p-256') return ['ecdsa-sha2-nistp256'];
  if (algorithm === 'p-384') return ['ecdsa-sha2-nistp384'];
  return ['rsa-sha2-512', 'rsa-sha2-256'];
}
