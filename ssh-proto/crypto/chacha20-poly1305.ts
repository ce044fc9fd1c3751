// ChaCha20 (the original 64-bit-nonce variant) and Poly1305 through libsodium, the two primitives
// of chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305). The construction lives in
// transport/; these are the primitives, bound to a loaded libsodium so the hot path stays synchronous.
import { sodium, type Sodium } from './sodium.ts';

export interface ChaChaPoly {
  /** ChaCha20 keystream XOR with a 64-bit nonce and a starting block counter. */
  xor(input: Uint8Array, nonce: Uint8Array, counter: number, key: Uint8Array): Uint8Array;
  poly1305(message: Uint8Array, key: Uint8Array): Uint8Array;
  /** Constant-time tag check (libsodium crypto_onetimeauth_verify). */
  poly1305Verify(tag: Uint8Array, message: Uint8Array, key: Uint8Array): boolean;
}

function bind(s: Sodium): ChaChaPoly {
  return {
    xor: (input, nonce, counter, key) => s.crypto_stream_chacha20_xor_ic(input, nonce, counter, key),
    poly1305: (message, key) => s.crypto_onetimeauth(message, key),
    poly1305Verify: (tag, message, key) => s.crypto_onetimeauth_verify(tag, message, key),
  };
}

let bound: Promise<ChaChaPoly> | undefined;

export function chachaPoly(): Promise<ChaChaPoly> {
  bound ??= sodium().then(bind);
  return bound;
}
