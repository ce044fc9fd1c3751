import { SshError } from '../errors.ts';

export interface KnownKeyRef { readonly fingerprint: string; readonly keyType: string; readonly line: number }

/**
 * The server's host key was not accepted. Codes:
 * - HOST_KEY_UNKNOWN: no entry for this host and key (the UI may offer to trust `fingerprint`);
 *   `known` lists keys of other types already known for the host (then be suspicious).
 * - HOST_KEY_CHANGED: the host is known with a different key of the same type: always a hard stop.
 * - HOST_KEY_REVOKED: the key (or its CA) is marked @revoked.
 * - HOST_CERT_INVALID: a trusted CA signed the certificate, but it is not valid for this host now (`reasons`).
 */
export class HostKeyError extends SshError {
  override readonly name = 'HostKeyError';
  constructor(
    code: 'HOST_KEY_UNKNOWN' | 'HOST_KEY_CHANGED' | 'HOST_KEY_REVOKED' | 'HOST_CERT_INVALID',
    message: string,
    readonly host: string,
    readonly port: number,
    /** SHA256 fingerprint of the key the server presented (of the certified key for certificates). */
    readonly fingerprint: string,
    readonly keyType: string,
    /** The entries involved: the old keys for CHANGED, the revoking line for REVOKED, other known types for UNKNOWN. */
    readonly known: readonly KnownKeyRef[] = [],
    readonly reasons: readonly string[] = [],
  ) {
    super(code, message);
  }
}
