// verifySignature: the one entry point for checking a signature by a key or certificate blob.
import { isCertificateType, parseCertificate } from './certificate.ts';
import { parsePublicKey, publicKeyType, type PublicKey } from './public-key.ts';
import { baseSignatureAlgorithm, keyTypeForSignatureAlgorithm, parseSignatureBlob, verifyRawSignature } from './signature.ts';
import { KeyError } from './errors.ts';
import { isX509v3Algorithm, x509v3SigningKey } from './x509v3-key.ts';

function keyOf(blob: Uint8Array): PublicKey {
  return isCertificateType(publicKeyType(blob)) ? parseCertificate(blob).key : parsePublicKey(blob);
}

/**
 * Verifies an SSH signature blob over `data`.
 * `algorithm` is the negotiated or announced algorithm (e.g. rsa-sha2-512, ssh-ed25519-cert-v01@openssh.com);
 * the blob must name exactly that plain algorithm (RFC 8332 §3: no silent fallback to ssh-rsa).
 * `publicKey` is a key blob, a certificate blob (its certified key signs), or a parsed key.
 * The certificate itself (CA signature, validity, principals) is checked by the host-key verifier, not here.
 * x509v3-* (RFC 6187): `publicKey` is the §2.1 blob; its leaf certificate's key signs, with the §3 signature name.
 * Resolves false when the signature does not verify; throws KeyError when the inputs are malformed.
 */
export async function verifySignature(
  algorithm: string, publicKey: Uint8Array | PublicKey, signatureBlob: Uint8Array, data: Uint8Array,
): Promise<boolean> {
  if (isX509v3Algorithm(algorithm)) return verifyX509v3(algorithm, publicKey, signatureBlob, data);
  const key = publicKey instanceof Uint8Array ? keyOf(publicKey) : publicKey;
  const expected = baseSignatureAlgorithm(algorithm);
  if (keyTypeForSignatureAlgorithm(expected) !== key.type) {
    throw new KeyError('SIGNATURE_ALGORITHM_MISMATCH', `A ${key.type} key cannot make ${algorithm} signatures.`);
  }
  const sig = parseSignatureBlob(signatureBlob);
  if (sig.algorithm !== expected) return false;
  return verifyRawSignature(expected, key, sig.bytes, data);
}

async function verifyX509v3(algorithm: string, publicKey: Uint8Array | PublicKey, signatureBlob: Uint8Array, data: Uint8Array): Promise<boolean> {
  if (!(publicKey instanceof Uint8Array)) throw new KeyError('SIGNATURE_ALGORITHM_MISMATCH', `${algorithm} signatures are checked against an x509v3 key blob.`);
  const { key, algorithm: x509, name } = await x509v3SigningKey(publicKey);
  if (name !== algorithm) throw new KeyError('SIGNATURE_ALGORITHM_MISMATCH', `A ${name} key cannot make ${algorithm} signatures.`);
  const sig = parseSignatureBlob(signatureBlob);
  if (sig.algorithm !== x509.signature) return false;
  return verifyRawSignature(x509.signature, key, sig.bytes, data);
}
