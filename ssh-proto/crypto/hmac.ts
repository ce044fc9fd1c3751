// HMAC (RFC 2104) through WebCrypto. Verification uses subtle.verify, which compares in constant time.
import type { HashName } from './hash.ts';

type Bytes = Uint8Array<ArrayBuffer>;

export async function importHmacKey(raw: Uint8Array, hash: HashName): Promise<CryptoKey> {
  return globalThis.crypto.subtle.importKey('raw', raw as Bytes, { name: 'HMAC', hash }, false, ['sign', 'verify']);
}

export async function hmacSign(key: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', key, data as Bytes));
}

export async function hmacVerify(key: CryptoKey, mac: Uint8Array, data: Uint8Array): Promise<boolean> {
  return globalThis.crypto.subtle.verify('HMAC', key, mac as Bytes, data as Bytes);
}
