// The one crypto provider of ssh-proto (ARCHITECTURE.md): WebCrypto and libsodium, no hand-written primitives.
// The primitives that matter for speed go through a CryptoBackend (backend.ts), replaceable once per program.
// Each family lives in its own file; add its exports here by name.
export { sodium, preloadLibsodium } from './sodium.ts';
export type { Sodium } from './sodium.ts';
export { randomBytes } from './random.ts';
export {
  ed25519Verify, ed25519Sign, ed25519PublicFromSeed, ecdsaVerify, ecdsaImportPrivate, ecdsaSign,
  rsaVerify, rsaImportPrivate, rsaSign, hmacSha1, ECDSA_HASH, ECDSA_FIELD_BYTES,
} from './signature.ts';
export type { EcdsaCurve, RsaHash, EcdsaPrivateJwk, RsaPrivateJwk } from './signature.ts';
export { SshCryptoError } from './errors.ts';
export { digest, HASH_LENGTH } from './hash.ts';
export type { HashName } from './hash.ts';
export { x25519KeyPair, x25519SharedSecret } from './x25519.ts';
export type { X25519KeyPair } from './x25519.ts';
export { mlkem768KeyPair, mlkem768Decapsulate, mlkem768Encapsulate, MLKEM768_PUBLIC_KEY_BYTES, MLKEM768_CIPHERTEXT_BYTES } from './mlkem.ts';
export type { MlKemKeyPair } from './mlkem.ts';
export { ecdhKeyPair, ecdhSharedSecret } from './ecdh.ts';
export type { EcdhKeyPair, NistCurve } from './ecdh.ts';
export { DH_GROUPS, dhKeyPair, dhSharedSecret, modPow, bytesToBigInt } from './dh.ts';
export type { DhGroup, DhGroupName, DhKeyPair } from './dh.ts';
export { importAesGcmKey, importAesCtrKey, aesGcmEncrypt, aesGcmDecrypt, aesCtr } from './aes.ts';
export { advanceGcmCounter } from './gcm-counter.ts';
export { importHmacKey, hmacSign, hmacVerify } from './hmac.ts';
export { chachaPoly, OpenSshChaChaPoly } from './chacha20-poly1305.ts';
export type { ChaChaPoly } from './chacha20-poly1305.ts';
export type { CryptoBackend, AesGcmKey, ChaChaPolyKey, AesCtrStream, AesCtrHmacKeys, HmacKey } from './backend.ts';
export { cryptoBackend, setCryptoBackend } from './active-backend.ts';
export { WEB_CRYPTO_BACKEND } from './web-backend.ts';
