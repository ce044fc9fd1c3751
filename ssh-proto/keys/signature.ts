// SSH signature blobs and their verification.
//   string  algorithm name
//   string  signature bytes: Ed25519 R||S (RFC 8709 §6); ECDSA "mpint r, mpint s" (RFC 5656 §3.1.2);
//           RSA PKCS#1 v1.5 signature (RFC 8332 §3, RFC 4253 §6.6)
import { SshReader, SshWriter } from '../wire/index.ts';
import { ecdsaVerify, ed25519Verify, rsaVerify, type RsaHash } from '../crypto/index.ts';
import { KeyError } from './errors.ts';
import { ECDSA_PARAMS, isEcdsaKeyType, type PublicKey } from './public-key.ts';

export interface SignatureBlob { readonly algorithm: string; readonly bytes: Uint8Array }

export function parseSignatureBlob(blob: Uint8Array): SignatureBlob {
  try {
    const r = new SshReader(blob);
    const algorithm = r.name();
    const bytes = r.string();
    r.end();
    return { algorithm, bytes };
  } catch (cause) {
    throw new KeyError('SIGNATURE_MALFORMED', 'The signature blob is malformed.', { cause });
  }
}

export function encodeSignatureBlob(algorithm: string, bytes: Uint8Array): Uint8Array {
  return new SshWriter().string(algorithm).string(bytes).toBytes();
}

/** RSA signature algorithms and their hashes. ssh-rsa (SHA-1) is verified only when asked for by name. */
export const RSA_SIGNATURE_HASH: Readonly<Record<string, RsaHash>> = {
  'rsa-sha2-512': 'SHA-512',
  'rsa-sha2-256': 'SHA-256',
  'ssh-rsa': 'SHA-1',
  // RFC 6187 §3.3: the signature inside x509v3-rsa2048-sha256 (RSASSA-PKCS1-v1_5 with SHA-256).
  'rsa2048-sha256': 'SHA-256',
};

/** Certificate algorithm names map to the plain algorithm that signs (PROTOCOL.certkeys). */
export const CERT_SUFFIX = '-cert-v01@openssh.com';

/** The plain signature algorithm behind a possibly-certificate algorithm name. */
export function baseSignatureAlgorithm(algorithm: string): string {
  return algorithm.endsWith(CERT_SUFFIX) ? algorithm.slice(0, -CERT_SUFFIX.length) : algorithm;
}

/** Key type that produces signatures of `algorithm` (rsa-sha2-* are made by ssh-rsa keys). */
export function keyTypeForSignatureAlgorithm(algorithm: string): string {
  const base = baseSignatureAlgorithm(algorithm);
  return Object.hasOwn(RSA_SIGNATURE_HASH, base) ? 'ssh-rsa' : base;
}

/** "mpint r, mpint s" → r || s, each left-padded to the field size (IEEE P1363, what WebCrypto verifies). */
export function sshEcdsaToP1363(bytes: Uint8Array, fieldBytes: number): Uint8Array {
  let r: Uint8Array;
  let s: Uint8Array;
  try {
    const rd = new SshReader(bytes);
    r = rd.mpintBytes();
    s = rd.mpintBytes();
    rd.end();
  } catch (cause) {
    throw new KeyError('SIGNATURE_MALFORMED', 'The ECDSA signature is not "mpint r, mpint s".', { cause });
  }
  const out = new Uint8Array(2 * fieldBytes);
  for (const [v, at] of [[r, 0], [s, fieldBytes]] as const) {
    let i = 0;
    while (i < v.length && v[i] === 0) i++;
    const m = v.subarray(i);
    if (m.length === 0 || m.length > fieldBytes) throw new KeyError('SIGNATURE_MALFORMED', 'ECDSA r or s is out of range.');
    out.set(m, at + fieldBytes - m.length);
  }
  return out;
}

/** r || s (WebCrypto's output) → "mpint r, mpint s". */
export function p1363ToSshEcdsa(sig: Uint8Array): Uint8Array {
  const half = sig.length / 2;
  return new SshWriter().mpintBytes(sig.subarray(0, half)).mpintBytes(sig.subarray(half)).toBytes();
}

/** Verifies `signature` (raw, already unwrapped) made by `key` with the plain algorithm `algorithm`. */
export async function verifyRawSignature(algorithm: string, key: PublicKey, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  if (key.type === 'ssh-ed25519') {
    return algorithm === 'ssh-ed25519' && ed25519Verify(key.key, signature, data);
  }
  if (key.type === 'ssh-rsa') {
    const hash = RSA_SIGNATURE_HASH[algorithm];
    if (hash === undefined) return false;
    // RFC 8017 §8.2.2 wants exactly k bytes; OpenSSH left-pads shorter signatures (ssh-rsa.c), so do we.
    const k = Math.ceil(key.bits / 8);
    if (signature.length > k) return false;
    const sig = signature.length === k ? signature : new Uint8Array(k);
    if (sig !== signature) sig.set(signature, k - signature.length);
    return rsaVerify(hash, key.n, key.e, sig, data);
  }
  if (algorithm !== key.type || !isEcdsaKeyType(key.type)) return false;
  const p = ECDSA_PARAMS[key.type];
  return ecdsaVerify(p.curve, key.point, sshEcdsaToP1363(signature, p.fieldBytes), data);
}
