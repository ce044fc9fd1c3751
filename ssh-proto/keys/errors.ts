import { SshError } from '../errors.ts';

/**
 * Problems with a key, a key file, a signature or a certificate. Stable codes:
 * KEY_MALFORMED, KEY_UNSUPPORTED, KEY_PASSPHRASE_REQUIRED, KEY_PASSPHRASE_WRONG,
 * SIGNATURE_MALFORMED, SIGNATURE_ALGORITHM_MISMATCH, CERT_MALFORMED.
 */
export class KeyError extends SshError {
  override readonly name = 'KeyError';
}
