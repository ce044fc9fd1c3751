// SSH signature blobs from a card's raw results: RSA PKCS#1 v1.5 (RFC 8332 §3), ECDSA DER → mpint r,
// mpint s (RFC 5656 §3.1.2), Ed25519 (RFC 8709 §6). Also the x509v3 names of RFC 6187 §3.
import { parseDerEcdsaSignature, type HashName, type KeyAlgorithm } from '../card/index.ts';
import { IdentityError } from './errors.ts';
import { SshWriter } from '../ssh-proto/index.ts';

export interface SignatureFormat {
  /** The name inside the signature blob. */
  readonly blobName: string;
  /** The hash the card signs with; undefined for Ed25519 (signs the message). */
  readonly hash: HashName | undefined;
  readonly keyKind: 'rsa' | 'ecdsa' | 'ed25519';
}

/**
 * The signature format of a user-auth algorithm. RFC 6187 §3: x509v3-rsa2048-sha256 signs like ssh-rsa with SHA-256
 * under the name "rsa2048-sha256"; x509v3-ecdsa-sha2-* like RFC 5656; x509v3-ssh-ed25519 (PKIX-SSH, AsyncSSH) like
 * RFC 8709. AsyncSSH (public_key.py, SSHKey.sign) strips "x509v3-" the same way.
 */
export function signatureFormat(algorithm: string, options: { allowSha1?: boolean } = {}): SignatureFormat {
  const base = algorithm.startsWith('x509v3-') ? algorithm.slice(7) : algorithm;
  // RFC 6187 §3.1: x509v3-ssh-rsa signs like ssh-rsa, RSASSA-PKCS1-v1_5 with SHA-1; only when the policy allows SHA-1.
  // Plain ssh-rsa (RFC 4253 §6.6) stays refused: rsa-sha2-* (RFC 8332) replaces it wherever servers know it.
  if (algorithm === 'x509v3-ssh-rsa') {
    if (!options.allowSha1) throw new IdentityError('ALGORITHM_UNSUPPORTED', 'x509v3-ssh-rsa signs with SHA-1, which the policy does not allow (allowSha1).');
    return { blobName: 'ssh-rsa', hash: 'SHA-1', keyKind: 'rsa' };
  }
  switch (base) {
    case 'rsa-sha2-512': return { blobName: base, hash: 'SHA-512', keyKind: 'rsa' };
    case 'rsa-sha2-256': return { blobName: base, hash: 'SHA-256', keyKind: 'rsa' };
    case 'rsa2048-sha256': return { blobName: base, hash: 'SHA-256', keyKind: 'rsa' };
    case 'ecdsa-sha2-nistp256': return { blobName: base, hash: 'SHA-256', keyKind: 'ecdsa' };
    case 'ecdsa-sha2-nistp384': return { blobName: base, hash: 'SHA-384', keyKind: 'ecdsa' };
    case 'ssh-ed25519': return { blobName: base, hash: undefined, keyKind: 'ed25519' };
    default:
      throw new IdentityError('ALGORITHM_UNSUPPORTED', `The card cannot sign with ${algorithm}: plain ssh-rsa (SHA-1) is never used, and PIV has no P-521 keys.`);
  }
}

export function keyKindOf(algorithm: KeyAlgorithm): SignatureFormat['keyKind'] {
  return algorithm === 'ed25519' ? 'ed25519' : algorithm.startsWith('rsa-') ? 'rsa' : 'ecdsa';
}

const FIELD_BYTES: Partial<Record<KeyAlgorithm, number>> = { 'p-256': 32, 'p-384': 48 };

/** Wraps the card's raw signature as an SSH signature blob: string name, string signature. */
export function sshSignatureBlob(format: SignatureFormat, algorithm: KeyAlgorithm, raw: Uint8Array): Uint8Array {
  if (format.keyKind !== keyKindOf(algorithm)) {
    throw new IdentityError('ALGORITHM_UNSUPPORTED', `A ${algorithm} card key cannot make a ${format.blobName} signature.`);
  }
  const w = new SshWriter().string(format.blobName);
  if (format.keyKind === 'ecdsa') {
    let sig;
    try {
      sig = parseDerEcdsaSignature(raw);
    } catch (err) {
      throw new IdentityError('SIGNATURE_MALFORMED', 'The card returned an ECDSA signature that is not valid DER.', { cause: err });
    }
    const limit = 1n << BigInt(8 * (FIELD_BYTES[algorithm] ?? 66));
    if (sig.r === 0n || sig.s === 0n || sig.r >= limit || sig.s >= limit) {
      throw new IdentityError('SIGNATURE_MALFORMED', 'The card returned an ECDSA signature with out-of-range integers.');
    }
    // RFC 5656 §3.1.2: string ecdsa_signature_blob = mpint r, mpint s.
    return w.string(new SshWriter().mpint(sig.r).mpint(sig.s).toBytes()).toBytes();
  }
  if (format.keyKind === 'ed25519' && raw.length !== 64) {
    throw new IdentityError('SIGNATURE_MALFORMED', `The card returned a ${raw.length}-byte Ed25519 signature (64 expected).`);
  }
  if (format.keyKind === 'rsa') {
    const bits = Number(algorithm.slice(4));
    if (raw.length !== bits / 8) throw new IdentityError('SIGNATURE_MALFORMED', `The card returned a ${raw.length}-byte RSA signature for a ${bits}-bit key.`);
  }
  return w.string(raw).toBytes();
}
