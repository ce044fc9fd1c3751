// X25519 (RFC 7748) through the crypto backend (libsodium by default).
import { cryptoBackend } from './active-backend.ts';
import { SshCryptoError } from './errors.ts';
import { randomBytes } from './random.ts';

export interface X25519KeyPair { privateKey: Uint8Array; publicKey: Uint8Array }

export async function x25519KeyPair(): Promise<X25519KeyPair> {
  const privateKey = randomBytes(32);
  return { privateKey, publicKey: await cryptoBackend().x25519Public(privateKey) };
}

/** The X25519 shared secret. RFC 7748 §6.1 / RFC 8731 §3: an all-zero result (a low-order peer point) is refused. */
export async function x25519SharedSecret(privateKey: Uint8Array, peerPublic: Uint8Array): Promise<Uint8Array> {
  if (peerPublic.length !== 32) throw new SshCryptoError('X25519_BAD_PUBLIC_KEY', `an X25519 public key has 32 bytes, the peer sent ${peerPublic.length}`);
  let shared: Uint8Array;
  try {
    shared = await cryptoBackend().x25519(privateKey, peerPublic);
  } catch (cause) {
    throw new SshCryptoError('X25519_ZERO_SHARED_SECRET', 'the peer sent a low-order X25519 point (all-zero shared secret)', { cause });
  }
  if (shared.every((b) => b === 0)) throw new SshCryptoError('X25519_ZERO_SHARED_SECRET', 'the peer sent a low-order X25519 point (all-zero shared secret)');
  return shared;
}
