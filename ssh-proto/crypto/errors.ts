import { SshError } from '../errors.ts';

/** A primitive refused its input (bad public value, all-zero shared secret, wrong key length). */
export class SshCryptoError extends SshError {
  override readonly name = 'SshCryptoError';
}
