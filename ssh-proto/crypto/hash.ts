// SHA-2 (FIPS 180-4) through the crypto backend. Names follow the kex method suffix (RFC 4253 §8, RFC 5656 §6.2.1).
import { cryptoBackend } from './active-backend.ts';

export type HashName = 'SHA-256' | 'SHA-384' | 'SHA-512';

export const HASH_LENGTH: Readonly<Record<HashName, number>> = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

export function digest(hash: HashName, data: Uint8Array): Promise<Uint8Array> {
  return cryptoBackend().digest(hash, data);
}
