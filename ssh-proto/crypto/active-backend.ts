// Which CryptoBackend the provider functions use: the default (WebCrypto + libsodium) unless a program
// registered another once at start-up (backend.ts says why).
import type { CryptoBackend } from './backend.ts';
import { WEB_CRYPTO_BACKEND } from './web-backend.ts';

let active: CryptoBackend = WEB_CRYPTO_BACKEND;

/** The backend in use. */
export function cryptoBackend(): CryptoBackend {
  return active;
}

/** Registers `backend` for every key made from now on (keys made before keep theirs); returns the previous one. */
export function setCryptoBackend(backend: CryptoBackend): CryptoBackend {
  const previous = active;
  active = backend;
  return previous;
}
