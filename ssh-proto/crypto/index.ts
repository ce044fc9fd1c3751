// The one crypto provider of ssh-proto (ARCHITECTURE.md): WebCrypto and libsodium, no hand-written primitives.
// Each family lives in its own file; add its exports here by name.
export { sodium } from './sodium.ts';
export type { Sodium } from './sodium.ts';
export { randomBytes } from './random.ts';
export {
  ed25519Verify, ed25519Sign, ed25519PublicFromSeed, ecdsaVerify, ecdsaImportPrivate, ecdsaSign,
  rsaVerify, rsaImportPrivate, rsaSign, hmacSha1, ECDSA_HASH, ECDSA_FIELD_BYTES,
} from './signature.ts';
export type { EcdsaCurve, RsaHash, EcdsaPrivateJwk, RsaPrivateJwk } from './signature.ts';
