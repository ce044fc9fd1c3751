// RFC 6187 X.509 public keys (x509v3-* algorithms): the key blob and the key that signs for it.
// Key blob (§2.1):  string "x509v3-...", uint32 n, string cert[n] (DER, leaf first), uint32 m, string ocsp[m].
// Signature (§3):   the plain blob of the leaf key under the names below (x509v3-ssh-ed25519 as PKIX-SSH and AsyncSSH).
// Only the leaf's SubjectPublicKeyInfo is read here; trust in the chain is the host-key verifier's decision.
import { SshReader } from '../wire/index.ts';
import { KeyError } from './errors.ts';
import type { PublicKey } from './public-key.ts';

export interface X509v3Algorithm {
  /** Key type of the leaf certificate's key. */
  readonly keyType: PublicKey['type'];
  /** The algorithm name inside the signature blob (RFC 6187 §3). */
  readonly signature: string;
  /** Smallest RSA modulus accepted (RFC 6187 §3.3: x509v3-rsa2048-sha256 keys have at least 2048 bits). */
  readonly minRsaBits?: number;
}

/** The x509v3 algorithms we verify. x509v3-ssh-rsa (SHA-1, §3.1) is listed but offered only when asked for. */
export const X509V3_ALGORITHMS: Readonly<Record<string, X509v3Algorithm>> = {
  'x509v3-ecdsa-sha2-nistp256': { keyType: 'ecdsa-sha2-nistp256', signature: 'ecdsa-sha2-nistp256' },
  'x509v3-ecdsa-sha2-nistp384': { keyType: 'ecdsa-sha2-nistp384', signature: 'ecdsa-sha2-nistp384' },
  'x509v3-ecdsa-sha2-nistp521': { keyType: 'ecdsa-sha2-nistp521', signature: 'ecdsa-sha2-nistp521' },
  'x509v3-ssh-ed25519': { keyType: 'ssh-ed25519', signature: 'ssh-ed25519' },
  'x509v3-rsa2048-sha256': { keyType: 'ssh-rsa', signature: 'rsa2048-sha256', minRsaBits: 2048 },
  'x509v3-ssh-rsa': { keyType: 'ssh-rsa', signature: 'ssh-rsa' },
};

export function isX509v3Algorithm(algorithm: string): boolean {
  return Object.hasOwn(X509V3_ALGORITHMS, algorithm);
}

export interface X509v3Key {
  readonly algorithm: string;
  /** DER certificates, leaf first. */
  readonly certificates: readonly Uint8Array[];
  readonly ocspResponses: readonly Uint8Array[];
}

/** Bounds the work a hostile server can cause with one key blob. */
const MAX_CERTIFICATES = 16;
const MAX_OCSP_RESPONSES = 16;

/** Parses an RFC 6187 §2.1 key blob. Typed KeyError on anything malformed. */
export function parseX509v3Key(blob: Uint8Array): X509v3Key {
  try {
    const r = new SshReader(blob);
    const algorithm = r.name();
    if (!algorithm.startsWith('x509v3-')) throw new KeyError('KEY_MALFORMED', `"${algorithm}" is not an x509v3 key.`);
    const n = r.uint32();
    if (n === 0 || n > MAX_CERTIFICATES) throw new KeyError('KEY_MALFORMED', `The x509v3 key carries ${n} certificates (1 to ${MAX_CERTIFICATES} accepted).`);
    const certificates = Array.from({ length: n }, () => r.string().slice());
    const m = r.uint32();
    if (m > MAX_OCSP_RESPONSES) throw new KeyError('KEY_MALFORMED', `The x509v3 key carries ${m} OCSP responses (at most ${MAX_OCSP_RESPONSES}).`);
    const ocspResponses = Array.from({ length: m }, () => r.string().slice());
    r.end();
    return { algorithm, certificates, ocspResponses };
  } catch (cause) {
    if (cause instanceof KeyError) throw cause;
    throw new KeyError('KEY_MALFORMED', 'The x509v3 key blob is malformed.', { cause });
  }
}

/**
 * The key that signs for an x509v3 key blob: its leaf certificate's key, checked against the algorithm
 * (an x509v3-ecdsa-sha2-nistp256 blob must certify a P-256 key, and so on).
 */
export async function x509v3SigningKey(blob: Uint8Array): Promise<{ key: PublicKey; algorithm: X509v3Algorithm; name: string }> {
  const parsed = parseX509v3Key(blob);
  const algorithm = X509V3_ALGORITHMS[parsed.algorithm];
  if (!algorithm) throw new KeyError('KEY_UNSUPPORTED', `The x509v3 algorithm "${parsed.algorithm}" is not supported.`);
  const { certificatePublicKey } = await import('./certificate-public-key.ts');
  const key = certificatePublicKey(parsed.certificates[0]!);
  if (key.type !== algorithm.keyType) {
    throw new KeyError('SIGNATURE_ALGORITHM_MISMATCH', `The ${parsed.algorithm} certificate holds a ${key.type} key.`);
  }
  if (key.type === 'ssh-rsa' && algorithm.minRsaBits !== undefined && key.bits < algorithm.minRsaBits) {
    throw new KeyError('KEY_UNSUPPORTED', `${parsed.algorithm} needs an RSA key of at least ${algorithm.minRsaBits} bits, not ${key.bits}.`);
  }
  return { key, algorithm, name: parsed.algorithm };
}
