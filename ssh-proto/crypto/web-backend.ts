// The default CryptoBackend: WebCrypto (AES-GCM, SHA-2) and libsodium's WebAssembly build (ChaCha20-Poly1305,
// X25519, Ed25519). It runs unchanged in the page, in a Worker and in Node.
import { aesCtr, aesGcmDecrypt, aesGcmEncrypt, importAesCtrKey, importAesGcmKey } from './aes.ts';
import { hmacSign, hmacVerify, importHmacKey } from './hmac.ts';
import type { CryptoBackend } from './backend.ts';
import { OpenSshChaChaPoly } from './chacha20-poly1305.ts';
import { preloadLibsodium, sodium } from './sodium.ts';

export const WEB_CRYPTO_BACKEND: CryptoBackend = {
  name: 'webcrypto+libsodium',
  prepare: preloadLibsodium, // X25519, Ed25519, ML-KEM and ChaCha20 all need it
  async aesGcmKey(raw) {
    const key = await importAesGcmKey(raw);
    return {
      synchronous: false,
      encrypt: (iv, aad, plaintext) => aesGcmEncrypt(key, iv, aad, plaintext),
      decrypt: (iv, aad, sealed) => aesGcmDecrypt(key, iv, aad, sealed),
    };
  },
  chachaPolyKey: (raw) => OpenSshChaChaPoly.create(raw),
  async aesCtrStream(raw, iv) {
    const key = await importAesCtrKey(raw);
    const counter = iv.slice(0, 16);
    return {
      xor(data) {
        const start = counter.slice(); // taken now: packets may be opened concurrently
        advance(counter, data.length / 16);
        return aesCtr(key, start, data);
      },
    };
  },
  async hmacKey(raw, hash) {
    const key = await importHmacKey(raw, hash);
    return { sign: (data) => hmacSign(key, data), verify: (mac, data) => hmacVerify(key, mac, data) };
  },
  async digest(hash, data) {
    return new Uint8Array(await globalThis.crypto.subtle.digest(hash, data as Uint8Array<ArrayBuffer>));
  },
  async x25519Public(privateKey) {
    return (await sodium()).crypto_scalarmult_base(privateKey);
  },
  async x25519(privateKey, peerPublic) {
    return (await sodium()).crypto_scalarmult(privateKey, peerPublic);
  },
  async ed25519PublicFromSeed(seed) {
    return (await sodium()).crypto_sign_seed_keypair(seed).publicKey;
  },
  async ed25519Sign(secretKey, data) {
    return (await sodium()).crypto_sign_detached(data, secretKey);
  },
  async ed25519Verify(publicKey, signature, data) {
    return (await sodium()).crypto_sign_verify_detached(signature, data, publicKey);
  },
};

/** Adds `blocks` to a 128-bit big-endian counter, in place (WebCrypto's AES-CTR does not carry state between calls). */
function advance(counter: Uint8Array, blocks: number): void {
  let carry = blocks;
  for (let i = 15; i >= 0 && carry > 0; i--) {
    const v = counter[i]! + (carry & 0xff);
    counter[i] = v & 0xff;
    carry = Math.floor(carry / 256) + (v >> 8);
  }
}
