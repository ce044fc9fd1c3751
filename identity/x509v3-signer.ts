// RFC 6187 user authentication with the card certificate. Public-key blob (§2.1):
//   string "x509v3-...", uint32 n, string cert[n] (leaf first, DER), uint32 m, string ocsp[m].
// Signature (§3): the plain algorithm's blob under "rsa2048-sha256", "ecdsa-sha2-nistp256/384", "ssh-ed25519".
import type { KeyAlgorithm } from '../card/index.ts';
import { SshWriter, type Signer } from '../ssh-proto/index.ts';
import type { CardSession } from './card-session.ts';
import { IdentityError } from './errors.ts';

/**
 * The x509v3 algorithm of a card key. x509v3-ssh-rsa (SHA-1) is a second signer, only when the policy allows SHA-1
 * (cardAuthMethods). P-521 is not a PIV algorithm.
 */
export function x509v3Algorithm(algorithm: KeyAlgorithm): string {
  if (algorithm === 'p-256') return 'x509v3-ecdsa-sha2-nistp256';
  if (algorithm === 'p-384') return 'x509v3-ecdsa-sha2-nistp384';
  if (algorithm === 'ed25519') return 'x509v3-ssh-ed25519';
  return 'x509v3-rsa2048-sha256';
}

/** The RFC 6187 §2.1 public-key blob. */
export function x509v3PublicKeyBlob(algorithm: string, chain: readonly Uint8Array[], ocspResponses: readonly Uint8Array[] = []): Uint8Array {
  if (chain.length === 0) throw new IdentityError('NO_CERTIFICATE', 'An x509v3 public key needs at least the card certificate.');
  const w = new SshWriter().string(algorithm).uint32(chain.length);
  for (const c of chain) w.string(c);
  w.uint32(ocspResponses.length);
  for (const r of ocspResponses) w.string(r);
  return w.toBytes();
}

export interface X509v3SignerOptions {
  /** Intermediate CAs to send after the leaf (RFC 6187 §2.1: the chain need not include the root). */
  readonly intermediates?: readonly Uint8Array[];
  /** OCSP responses to staple. */
  readonly ocspResponses?: readonly Uint8Array[];
  /** x509v3-ssh-rsa for an RSA key (SHA-1: the session's gate policy must allow it); default x509v3Algorithm's. */
  readonly algorithm?: 'x509v3-ssh-rsa';
}

/** A Signer offering the card certificate as an x509v3-* key. Signing still goes through the session's gate. */
export function x509v3Signer(session: CardSession, options: X509v3SignerOptions = {}): Signer {
  const { key } = session;
  if (!key.certificate) throw new IdentityError('NO_CERTIFICATE', `The card key "${key.label}" has no certificate to offer as an x509v3 key.`);
  const algorithm = options.algorithm ?? x509v3Algorithm(key.algorithm);
  if (algorithm === 'x509v3-ssh-rsa') {
    if (!key.algorithm.startsWith('rsa-')) throw new IdentityError('ALGORITHM_UNSUPPORTED', `x509v3-ssh-rsa needs an RSA key, not ${key.algorithm}.`);
    if (session.options.gate.allowSha1 !== true) throw new IdentityError('ALGORITHM_UNSUPPORTED', 'x509v3-ssh-rsa signs with SHA-1, which the policy does not allow (allowSha1).');
  }
  const chain = [key.certificate, ...(key.certificateChain ?? []), ...(options.intermediates ?? [])];
  return {
    publicKey: x509v3PublicKeyBlob(algorithm, chain, options.ocspResponses ?? []),
    algorithms: [algorithm],
    sign: (alg, data) => session.sign(alg, data),
  };
}
