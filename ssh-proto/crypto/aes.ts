// AES-GCM (NIST SP 800-38D) and AES-CTR (SP 800-38A) through WebCrypto.
import { SshCryptoError } from './errors.ts';

type Bytes = Uint8Array<ArrayBuffer>;
const subtle = () => globalThis.crypto.subtle;

function checkKey(raw: Uint8Array, lengths: readonly number[], what: string): void {
  if (!lengths.includes(raw.length)) throw new SshCryptoError('AES_BAD_KEY', `${what} needs a key of ${lengths.join('/')} bytes, got ${raw.length}`);
}

export async function importAesGcmKey(raw: Uint8Array): Promise<CryptoKey> {
  checkKey(raw, [16, 32], 'AES-GCM');
  return subtle().importKey('raw', raw as Bytes, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

export async function importAesCtrKey(raw: Uint8Array): Promise<CryptoKey> {
  checkKey(raw, [16, 24, 32], 'AES-CTR');
  return subtle().importKey('raw', raw as Bytes, 'AES-CTR', false, ['encrypt', 'decrypt']);
}

/** Ciphertext followed by the 16-byte tag. */
export async function aesGcmEncrypt(key: CryptoKey, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv: iv as Bytes, additionalData: aad as Bytes, tagLength: 128 }, key, plaintext as Bytes));
}

/** `sealed` is ciphertext || tag. Resolves undefined when the tag does not verify (WebCrypto checks it before releasing plaintext). */
export async function aesGcmDecrypt(key: CryptoKey, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: iv as Bytes, additionalData: aad as Bytes, tagLength: 128 }, key, sealed as Bytes));
  } catch {
    return undefined;
  }
}

/** AES-CTR with the whole 128-bit block as the counter (as OpenSSH increments it, RFC 4344 §4). */
export async function aesCtr(key: CryptoKey, counter: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().encrypt({ name: 'AES-CTR', counter: counter as Bytes, length: 128 }, key, data as Bytes));
}
