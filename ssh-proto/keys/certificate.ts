// OpenSSH certificates, PROTOCOL.certkeys (*-cert-v01@openssh.com):
//   string type, string nonce, <public key fields>, uint64 serial, uint32 type (1 user, 2 host), string key id,
//   string valid principals, uint64 valid after, uint64 valid before, string critical options,
//   string extensions, string reserved, string signature key, string signature
// The CA signature covers every byte before the final `string signature`.
import { SshReader } from '../wire/index.ts';
import { KeyError } from './errors.ts';
import { parsePublicKey, readPublicKeyFields, type PublicKey } from './public-key.ts';
import { CERT_SUFFIX, parseSignatureBlob, verifyRawSignature } from './signature.ts';

export const CERT_TYPE_USER = 1;
export const CERT_TYPE_HOST = 2;

export interface CertificateOption { readonly name: string; readonly data: Uint8Array }

export interface Certificate {
  /** e.g. ssh-ed25519-cert-v01@openssh.com */
  readonly type: string;
  /** The certified key. */
  readonly key: PublicKey;
  readonly nonce: Uint8Array;
  readonly serial: bigint;
  readonly certType: 'user' | 'host';
  readonly keyId: string;
  /** Empty means "any principal" (PROTOCOL.certkeys); see checkHostCertificate. */
  readonly principals: readonly string[];
  /** Seconds since the epoch; validBefore 0xffffffffffffffff means forever. */
  readonly validAfter: bigint;
  readonly validBefore: bigint;
  readonly criticalOptions: readonly CertificateOption[];
  readonly extensions: readonly CertificateOption[];
  /** The CA's public key blob. */
  readonly signatureKey: Uint8Array;
  readonly signature: Uint8Array;
  /** The bytes the CA signed. */
  readonly signedData: Uint8Array;
}

export function isCertificateType(type: string): boolean {
  return type.endsWith(CERT_SUFFIX);
}

function packedStrings(data: Uint8Array): string[] {
  const r = new SshReader(data);
  const out: string[] = [];
  while (r.remaining > 0) out.push(r.utf8());
  return out;
}

/** Options and extensions: pairs of string name, string data, names in strictly increasing order. */
function packedOptions(data: Uint8Array, what: string): CertificateOption[] {
  const r = new SshReader(data);
  const out: CertificateOption[] = [];
  while (r.remaining > 0) {
    const name = r.name();
    const prev = out[out.length - 1];
    if (prev && prev.name >= name) throw new KeyError('CERT_MALFORMED', `The certificate's ${what} are not in order or repeat "${name}".`);
    out.push({ name, data: r.string() });
  }
  return out;
}

export function parseCertificate(blob: Uint8Array): Certificate {
  try {
    const r = new SshReader(blob);
    const type = r.name();
    if (!isCertificateType(type)) throw new KeyError('CERT_MALFORMED', `"${type}" is not a certificate type.`);
    const keyType = type === `ssh-rsa${CERT_SUFFIX}` ? 'ssh-rsa' : type.slice(0, -CERT_SUFFIX.length);
    const nonce = r.string();
    const key = readPublicKeyFields(keyType, r);
    const serial = r.uint64();
    const t = r.uint32();
    if (t !== CERT_TYPE_USER && t !== CERT_TYPE_HOST) throw new KeyError('CERT_MALFORMED', `Unknown certificate type ${t}.`);
    const keyId = r.utf8();
    const principals = packedStrings(r.string());
    const validAfter = r.uint64();
    const validBefore = r.uint64();
    const criticalOptions = packedOptions(r.string(), 'critical options');
    const extensions = packedOptions(r.string(), 'extensions');
    r.string(); // reserved
    const signatureKey = r.string();
    const signedData = blob.subarray(0, blob.length - r.remaining);
    const signature = r.string();
    r.end();
    parsePublicKey(signatureKey); // a CA must be a plain, supported key, never a certificate
    return {
      type, key, nonce, serial, certType: t === CERT_TYPE_USER ? 'user' : 'host', keyId, principals, validAfter, validBefore,
      criticalOptions, extensions, signatureKey, signature, signedData,
    };
  } catch (cause) {
    if (cause instanceof KeyError && cause.code === 'CERT_MALFORMED') throw cause;
    if (cause instanceof KeyError && cause.code === 'KEY_UNSUPPORTED') throw cause;
    throw new KeyError('CERT_MALFORMED', 'The certificate is malformed.', { cause });
  }
}

/** CA signature algorithms accepted by default: OpenSSH's CASignatureAlgorithms default (no SHA-1 ssh-rsa). */
export const DEFAULT_CA_SIGNATURE_ALGORITHMS: readonly string[] = [
  'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256',
];

/** True when the CA's signature over the certificate verifies with an allowed algorithm. */
export async function verifyCertificateSignature(cert: Certificate, allowed = DEFAULT_CA_SIGNATURE_ALGORITHMS): Promise<boolean> {
  const sig = parseSignatureBlob(cert.signature);
  if (!allowed.includes(sig.algorithm)) return false;
  return verifyRawSignature(sig.algorithm, parsePublicKey(cert.signatureKey), sig.bytes, cert.signedData);
}
