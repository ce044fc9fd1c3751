// The token and key abstraction the SSH layer consumes (structurally: ARCHITECTURE.md's
// Signer is built from a CardKey by the layer that knows SSH encodings).
import type { HashName, KeyAlgorithm } from './key-algorithm.ts';
import type { PinPolicy, TouchPolicy } from './yubikey.ts';

export interface PinState {
  readonly verified: boolean;
  /** Attempts left before the PIN blocks; undefined when the card does not say. */
  readonly retriesLeft?: number;
  readonly blocked: boolean;
}

export interface CardKey {
  /** Stable id on this token: "piv:9a", "piv:82", "openpgp:aut". */
  readonly id: string;
  readonly label: string;
  readonly algorithm: KeyAlgorithm;
  /** DER SubjectPublicKeyInfo. */
  readonly spki: Uint8Array;
  /** DER X.509 certificate from the card, when it holds one. */
  readonly certificate?: Uint8Array;
  readonly certificateChain?: readonly Uint8Array[];
  readonly pinPolicy?: PinPolicy;
  readonly touchPolicy?: TouchPolicy;
  /** True when the card will wait for a touch before signing: the page should say "Touch your key". */
  readonly needsTouch: boolean;
  /**
   * Signs `data` (hashed on the host with `hash`, except Ed25519 which takes the message).
   * Returns the card's raw result: RSA PKCS#1 v1.5 signature, DER ECDSA, or 64-byte Ed25519,
   * after checking it against `spki` (SignatureCheckError if it does not verify).
   */
  sign(data: Uint8Array, hash?: HashName): Promise<Uint8Array>;
  /** Signs a digest already computed with `hash` (RSA and ECDSA only). */
  signDigest(digest: Uint8Array, hash: HashName): Promise<Uint8Array>;
}

/**
 * A slot that holds something but cannot be offered: a key type Tessera does not support
 * (X25519, RSA-1536...) or an object that does not parse. The UI can list it with `reason`.
 */
export interface SkippedKey {
  /** The id the key would have had ("piv:9d"). */
  readonly id: string;
  readonly label: string;
  /** The stable code of the error that made the slot unusable: CARD_UNSUPPORTED or CARD_MALFORMED_RESPONSE. */
  readonly code: string;
  /** The error's sentence, e.g. "The card key uses an unsupported algorithm (OID 2b656e)". */
  readonly reason: string;
}

/** Every usable key, and the slots passed over with why. */
export interface KeyScan {
  readonly keys: CardKey[];
  readonly skipped: SkippedKey[];
}

export interface CardToken {
  readonly kind: 'piv' | 'openpgp';
  listKeys(): Promise<CardKey[]>;
  pinState(): Promise<PinState>;
  /** One VERIFY: throws PinIncorrectError (retries left) or PinBlockedError; never retries. */
  verifyPin(pin: string): Promise<void>;
}

/** The hash SSH pairs with each algorithm when the caller gives none. */
export function defaultHash(algorithm: KeyAlgorithm): HashName {
  return algorithm === 'p-384' ? 'SHA-384' : algorithm.startsWith('rsa-') ? 'SHA-512' : 'SHA-256';
}
