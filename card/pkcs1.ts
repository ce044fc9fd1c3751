// EMSA-PKCS1-v1_5 encoding (RFC 8017 §9.2): the host pads, the PIV card does raw RSA
// (SP 800-73-4 Part 2 §3.2.4, SP 800-78-4 Table 3-1).
import { concatBytes } from './apdu.ts';
import { CardInputError } from './errors.ts';
import type { HashName } from './key-algorithm.ts';

/** DigestInfo DER prefixes (RFC 8017 §9.2 note 1). */
const DIGEST_INFO: Record<HashName, Uint8Array> = {
  // id-sha1 (1.3.14.3.2.26): legacy, for RFC 6187 x509v3-ssh-rsa when the caller's policy allows SHA-1.
  'SHA-1': Uint8Array.of(0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14),
  'SHA-256': Uint8Array.of(0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20),
  'SHA-384': Uint8Array.of(0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30),
  'SHA-512': Uint8Array.of(0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40),
};

export const HASH_LENGTH: Record<HashName, number> = { 'SHA-1': 20, 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

/** DigestInfo for a hash (what OpenPGP cards take for RSA INTERNAL AUTHENTICATE). */
export function digestInfo(hash: HashName, digest: Uint8Array): Uint8Array {
  if (digest.length !== HASH_LENGTH[hash]) throw new CardInputError(`A ${hash} digest is ${HASH_LENGTH[hash]} bytes, got ${digest.length}`);
  return concatBytes([DIGEST_INFO[hash], digest]);
}

/** EM = 00 01 FF..FF 00 || DigestInfo, `k` bytes long. */
export function emsaPkcs1v15(hash: HashName, digest: Uint8Array, k: number): Uint8Array {
  const t = digestInfo(hash, digest);
  if (k < t.length + 11) throw new CardInputError(`The RSA key is too short for a ${hash} signature`);
  const em = new Uint8Array(k).fill(0xff);
  em[0] = 0x00;
  em[1] = 0x01;
  em[k - t.length - 1] = 0x00;
  em.set(t, k - t.length);
  return em;
}

export async function hashBytes(hash: HashName, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest(hash, data as Uint8Array<ArrayBuffer>));
}
