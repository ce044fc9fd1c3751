// Checks a card's signature against the key's public key before anyone uses it: a card
// whose slot holds a different key than its certificate (re-keyed without a new
// certificate), or a corrupted answer, is caught here with a reason, not at the server.
// WebCrypto verifies RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.2), ECDSA and Ed25519; libsodium
// covers Ed25519 where the browser's WebCrypto lacks it.
import { CardError } from './errors.ts';
import { integerBytes, parseDerEcdsaSignature } from './der.ts';
import type { HashName, KeyAlgorithm } from './key-algorithm.ts';

export class SignatureCheckError extends CardError {
  constructor(message: string) {
    super('CARD_BAD_SIGNATURE', message);
  }
}

type Buf = Uint8Array<ArrayBuffer>;
const buf = (b: Uint8Array): Buf => Uint8Array.from(b);

async function ed25519Verify(spki: Uint8Array, sig: Uint8Array, data: Uint8Array): Promise<boolean> {
  try {
    const key = await crypto.subtle.importKey('spki', buf(spki), { name: 'Ed25519' }, false, ['verify']);
    return await crypto.subtle.verify({ name: 'Ed25519' }, key, buf(sig), buf(data));
  } catch (err) {
    if (!(err instanceof Error) || err.name !== 'NotSupportedError') throw err;
    const { default: sodium } = await import('libsodium-wrappers-sumo');
    await sodium.ready;
    return sodium.crypto_sign_verify_detached(sig, data, spki.subarray(spki.length - 32));
  }
}

/** True when `sig` (the card's raw result) verifies over `data` with `spki`. */
export async function signatureVerifies(algorithm: KeyAlgorithm, spki: Uint8Array, data: Uint8Array, sig: Uint8Array, hash: HashName): Promise<boolean> {
  try {
    if (algorithm === 'ed25519') return await ed25519Verify(spki, sig, data);
    if (algorithm.startsWith('rsa-')) {
      const key = await crypto.subtle.importKey('spki', buf(spki), { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['verify']);
      return await crypto.subtle.verify({ name: 'RSASSA-PKCS1-v1_5' }, key, buf(sig), buf(data));
    }
    const curve = algorithm === 'p-256' ? 'P-256' : 'P-384';
    const size = algorithm === 'p-256' ? 32 : 48;
    const { r, s } = parseDerEcdsaSignature(sig);
    const raw = new Uint8Array(2 * size);
    raw.set(integerBytes(r, size), 0);
    raw.set(integerBytes(s, size), size);
    const key = await crypto.subtle.importKey('spki', buf(spki), { name: 'ECDSA', namedCurve: curve }, false, ['verify']);
    return await crypto.subtle.verify({ name: 'ECDSA', hash }, key, raw, buf(data));
  } catch (err) {
    if (err instanceof CardError) return false;
    if (err instanceof Error && (err.name === 'DataError' || err.name === 'OperationError')) return false;
    throw err;
  }
}

/** Throws SignatureCheckError unless the signature verifies. */
export async function checkSignature(label: string, algorithm: KeyAlgorithm, spki: Uint8Array, data: Uint8Array, sig: Uint8Array, hash: HashName): Promise<void> {
  if (!(await signatureVerifies(algorithm, spki, data, sig, hash))) {
    throw new SignatureCheckError(`The card's ${label} key produced a signature that does not match its public key or certificate. The key may have been replaced without a new certificate; ask your administrator to reissue the card`);
  }
}
