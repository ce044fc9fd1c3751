// Card key algorithms, and how to recognise them from a SubjectPublicKeyInfo
// (RFC 3279 §2.3.1 RSA, RFC 5480 §2 EC, RFC 8410 §3 Ed25519).
import { MalformedResponseError, UnsupportedError } from './errors.ts';
import { readTlv } from './tlv.ts';

export type KeyAlgorithm = 'rsa-1024' | 'rsa-2048' | 'rsa-3072' | 'rsa-4096' | 'p-256' | 'p-384' | 'ed25519';
/** SHA-1 only for callers whose policy allows it (e.g. RFC 6187 x509v3-ssh-rsa); nothing in card/ picks it. */
export type HashName = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

export function isRsa(a: KeyAlgorithm): boolean {
  return a.startsWith('rsa-');
}

/** Modulus length in bytes of an RSA algorithm. */
export function rsaModulusBytes(a: KeyAlgorithm): number {
  const bits = Number(a.slice(4));
  return bits / 8;
}

const HEX_RSA = '2a864886f70d010101';
const HEX_EC = '2a8648ce3d0201';
const HEX_P256 = '2a8648ce3d030107';
const HEX_P384 = '2b81040022';
const HEX_ED25519 = '2b6570';

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** The key algorithm of a DER SubjectPublicKeyInfo. */
export function spkiAlgorithm(spki: Uint8Array): KeyAlgorithm {
  const outer = readTlv(spki, 0).tlv;
  if (outer.tag !== 0x30) throw new MalformedResponseError('The public key is not a DER SubjectPublicKeyInfo');
  const { tlv: algId, next } = readTlv(outer.value, 0);
  const { tlv: bits } = readTlv(outer.value, next);
  if (algId.tag !== 0x30 || bits.tag !== 0x03) throw new MalformedResponseError('The SubjectPublicKeyInfo is malformed');
  const { tlv: oid, next: pNext } = readTlv(algId.value, 0);
  if (oid.tag !== 0x06) throw new MalformedResponseError('The SubjectPublicKeyInfo has no algorithm OID');
  const o = hex(oid.value);
  if (o === HEX_ED25519) return 'ed25519';
  if (o === HEX_EC) {
    const curve = hex(readTlv(algId.value, pNext).tlv.value);
    if (curve === HEX_P256) return 'p-256';
    if (curve === HEX_P384) return 'p-384';
    throw new UnsupportedError('The card key uses an elliptic curve Tessera does not support (only P-256 and P-384)');
  }
  if (o === HEX_RSA) {
    const key = readTlv(bits.value, 1).tlv;
    const n = readTlv(key.value, 0).tlv.value;
    let len = n.length;
    if (n[0] === 0) len--;
    const bitsLen = len * 8;
    if (bitsLen === 1024 || bitsLen === 2048 || bitsLen === 3072 || bitsLen === 4096) return `rsa-${bitsLen}` as KeyAlgorithm;
    throw new UnsupportedError(`The card's RSA key has an unsupported size (${bitsLen} bits)`);
  }
  throw new UnsupportedError(`The card key uses an unsupported algorithm (OID ${o})`);
}
