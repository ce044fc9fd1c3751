// SSH public key blobs: ssh-ed25519 (RFC 8709 §4), ecdsa-sha2-nistp* (RFC 5656 §3.1), ssh-rsa (RFC 4253 §6.6).
import { SshReader, SshWriter } from '../wire/index.ts';
import type { EcdsaCurve } from '../crypto/index.ts';
import { KeyError } from './errors.ts';

export type EcdsaKeyType = 'ecdsa-sha2-nistp256' | 'ecdsa-sha2-nistp384' | 'ecdsa-sha2-nistp521';

export interface Ed25519PublicKey { readonly type: 'ssh-ed25519'; readonly key: Uint8Array }
export interface EcdsaPublicKey {
  readonly type: EcdsaKeyType;
  /** The curve identifier inside the blob: nistp256, nistp384, nistp521. */
  readonly curveName: string;
  readonly curve: EcdsaCurve;
  /** Uncompressed SEC1 point 04 || x || y. */
  readonly point: Uint8Array;
}
export interface RsaPublicKey {
  readonly type: 'ssh-rsa';
  /** Unsigned big-endian magnitudes, no leading zero. */
  readonly e: Uint8Array;
  readonly n: Uint8Array;
  readonly bits: number;
}
export type PublicKey = Ed25519PublicKey | EcdsaPublicKey | RsaPublicKey;

export interface EcdsaParams { curveName: string; curve: EcdsaCurve; fieldBytes: number }
export const ECDSA_PARAMS: Record<EcdsaKeyType, EcdsaParams> = {
  'ecdsa-sha2-nistp256': { curveName: 'nistp256', curve: 'P-256', fieldBytes: 32 },
  'ecdsa-sha2-nistp384': { curveName: 'nistp384', curve: 'P-384', fieldBytes: 48 },
  'ecdsa-sha2-nistp521': { curveName: 'nistp521', curve: 'P-521', fieldBytes: 66 },
};

export function isEcdsaKeyType(t: string): t is EcdsaKeyType {
  return Object.hasOwn(ECDSA_PARAMS, t);
}

/** OpenSSH refuses RSA moduli under 1024 bits (SSH_RSA_MINIMUM_MODULUS_SIZE); so do we. */
export const RSA_MIN_BITS = 1024;
/** And over 16384 bits (SSHBUF_MAX_BIGNUM): bounds the work a hostile peer can cause. */
export const RSA_MAX_BITS = 16384;

function bitLength(mag: Uint8Array): number {
  if (mag.length === 0) return 0;
  return (mag.length - 1) * 8 + (32 - Math.clz32(mag[0]!));
}

/** Reads the type-specific fields of a public key whose type name was already read (shared with certificates). */
export function readPublicKeyFields(type: string, r: SshReader): PublicKey {
  if (type === 'ssh-ed25519') {
    const key = r.string();
    if (key.length !== 32) throw new KeyError('KEY_MALFORMED', `An Ed25519 public key must be 32 bytes, not ${key.length}.`);
    return { type, key: key.slice() };
  }
  if (isEcdsaKeyType(type)) {
    const p = ECDSA_PARAMS[type];
    const curveName = r.name();
    if (curveName !== p.curveName) {
      throw new KeyError('KEY_MALFORMED', `The ${type} key names curve "${curveName}" instead of ${p.curveName}.`);
    }
    const point = r.string();
    // RFC 5656 §3.1: SEC1 point; OpenSSH only emits and accepts the uncompressed form.
    if (point.length !== 1 + 2 * p.fieldBytes || point[0] !== 0x04) {
      throw new KeyError('KEY_MALFORMED', `The ${type} key's point is not an uncompressed ${p.curve} point.`);
    }
    return { type, curveName, curve: p.curve, point: point.slice() };
  }
  if (type === 'ssh-rsa') {
    const e = r.mpintBytes().slice();
    const n = r.mpintBytes().slice();
    const bits = bitLength(n);
    if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
      throw new KeyError('KEY_UNSUPPORTED', `RSA keys of ${bits} bits are refused (${RSA_MIN_BITS} to ${RSA_MAX_BITS} are accepted).`);
    }
    if (e.length === 0 || (e[e.length - 1]! & 1) === 0) throw new KeyError('KEY_MALFORMED', 'The RSA public exponent is not odd.');
    return { type, e, n, bits };
  }
  throw new KeyError('KEY_UNSUPPORTED', `Keys of type "${type}" are not supported.`);
}

/** Parses an SSH wire-format public key blob. Typed KeyError on anything malformed or unknown. */
export function parsePublicKey(blob: Uint8Array): PublicKey {
  try {
    const r = new SshReader(blob);
    const key = readPublicKeyFields(r.name(), r);
    r.end();
    return key;
  } catch (cause) {
    if (cause instanceof KeyError) throw cause;
    throw new KeyError('KEY_MALFORMED', 'The public key blob is malformed.', { cause });
  }
}

/** The type name at the start of a key (or certificate) blob, without parsing the rest. */
export function publicKeyType(blob: Uint8Array): string {
  try {
    return new SshReader(blob).name();
  } catch (cause) {
    throw new KeyError('KEY_MALFORMED', 'The public key blob is malformed.', { cause });
  }
}

export function writePublicKeyFields(key: PublicKey, w: SshWriter): SshWriter {
  switch (key.type) {
    case 'ssh-ed25519':
      return w.string(key.key);
    case 'ssh-rsa':
      return w.mpintBytes(key.e).mpintBytes(key.n);
    default:
      return w.string(key.curveName).string(key.point);
  }
}

export function encodePublicKey(key: PublicKey): Uint8Array {
  return writePublicKeyFields(key, new SshWriter().string(key.type)).toBytes();
}

/** Signature algorithms a key of this type can produce, strongest first (RFC 8332 §3 for RSA). */
export function signatureAlgorithmsFor(keyType: string): string[] {
  if (keyType === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256'];
  return [keyType];
}
