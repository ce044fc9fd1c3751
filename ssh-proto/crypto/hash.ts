// SHA-2 through WebCrypto (FIPS 180-4). Names follow the kex method suffix (RFC 4253 §8, RFC 5656 §6.2.1).
export type HashName = 'SHA-256' | 'SHA-384' | 'SHA-512';

export const HASH_LENGTH: Readonly<Record<HashName, number>> = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

export async function digest(hash: HashName, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest(hash, data as Uint8Array<ArrayBuffer>));
}
