// The default CryptoBackend: WebCrypto (AES-GCM, SHA-2) and libsodium's WebAssembly build (ChaCha20-Poly1305,
// X25519, Ed25519). It runs unchanged in the page, in a Worker and in Node.
import { aesGcmDecrypt, aesGcmEncrypt, importAesGcmKey } from './aes.ts';
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
