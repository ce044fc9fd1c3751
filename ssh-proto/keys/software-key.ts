// A private key held in memory, signing through WebCrypto (ECDSA, RSA) or libsodium (Ed25519).
// It satisfies the auth layer's `Signer` shape structurally.
import {
  ecdsaImportPrivate, ecdsaSign, ed25519Sign, rsaImportPrivate, rsaSign, type RsaHash, type RsaPrivateJwk,
} from '../crypto/index.ts';
import { KeyError } from './errors.ts';
import { ECDSA_PARAMS, encodePublicKey, type EcdsaPublicKey, type PublicKey, type RsaPublicKey } from './public-key.ts';
import { encodeSignatureBlob, p1363ToSshEcdsa, parseSignatureBlob, RSA_SIGNATURE_HASH, verifyRawSignature } from './signature.ts';

export interface SoftwareKey {
  readonly type: PublicKey['type'];
  /** SSH wire-format public key blob. */
  readonly publicKey: Uint8Array;
  readonly comment: string;
  /** Signature algorithms, preferred first. RSA offers rsa-sha2-512 and rsa-sha2-256, never ssh-rsa (SHA-1). */
  readonly algorithms: readonly string[];
  /** Returns an SSH signature blob (string algorithm, string signature). */
  sign(algorithm: string, data: Uint8Array): Promise<Uint8Array>;
}

function refuse(type: string, algorithm: string): never {
  throw new KeyError('KEY_UNSUPPORTED', `A ${type} key does not sign with ${algorithm}.`);
}

export function ed25519SoftwareKey(key: PublicKey & { type: 'ssh-ed25519' }, secretKey: Uint8Array, comment: string): SoftwareKey {
  const sk = secretKey.slice();
  return {
    type: key.type, publicKey: encodePublicKey(key), comment, algorithms: ['ssh-ed25519'],
    async sign(algorithm, data) {
      if (algorithm !== 'ssh-ed25519') refuse(key.type, algorithm);
      return encodeSignatureBlob(algorithm, await ed25519Sign(sk, data));
    },
  };
}

export async function ecdsaSoftwareKey(key: EcdsaPublicKey, d: Uint8Array, comment: string): Promise<SoftwareKey> {
  const p = ECDSA_PARAMS[key.type];
  if (d.length > p.fieldBytes) throw new KeyError('KEY_MALFORMED', `The ${key.type} private scalar is too long.`);
  const dPadded = new Uint8Array(p.fieldBytes);
  dPadded.set(d, p.fieldBytes - d.length);
  let handle: CryptoKey;
  try {
    handle = await ecdsaImportPrivate({
      curve: p.curve, x: key.point.subarray(1, 1 + p.fieldBytes), y: key.point.subarray(1 + p.fieldBytes), d: dPadded,
    });
  } catch (cause) {
    throw new KeyError('KEY_MALFORMED', `The ${key.type} private key is not valid.`, { cause });
  }
  return selfChecked(key, {
    type: key.type, publicKey: encodePublicKey(key), comment, algorithms: [key.type],
    async sign(algorithm, data) {
      if (algorithm !== key.type) refuse(key.type, algorithm);
      // RFC 5656 §3.1.2: the signature is "mpint r, mpint s"; WebCrypto gives r || s.
      return encodeSignatureBlob(algorithm, p1363ToSshEcdsa(await ecdsaSign(p.curve, handle, data)));
    },
  });
}

/**
 * Signs once and verifies with the public half: a private key whose scalar or primes do not match its
 * public key (a corrupted file) would otherwise sign garbage that every server silently refuses.
 */
async function selfChecked(key: PublicKey, k: SoftwareKey): Promise<SoftwareKey> {
  const probe = new TextEncoder().encode('tessera private key self-check');
  const alg = k.algorithms[0]!;
  const ok = await k.sign(alg, probe)
    .then((sig) => verifyRawSignature(alg, key, parseSignatureBlob(sig).bytes, probe))
    .catch(() => false);
  if (!ok) throw new KeyError('KEY_MALFORMED', `The ${key.type} private key does not match its public key.`);
  return k;
}

const toBig = (b: Uint8Array): bigint => b.reduce((v, x) => (v << 8n) | BigInt(x), 0n);
function toBytes(v: bigint): Uint8Array {
  let hex = v.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export interface RsaPrivateParts { d: Uint8Array; p: Uint8Array; q: Uint8Array; iqmp: Uint8Array }

export async function rsaSoftwareKey(key: RsaPublicKey, parts: RsaPrivateParts, comment: string): Promise<SoftwareKey> {
  const d = toBig(parts.d);
  const p = toBig(parts.p);
  const q = toBig(parts.q);
  if (p < 3n || q < 3n || p * q !== toBig(key.n)) throw new KeyError('KEY_MALFORMED', 'The RSA private key does not match its modulus.');
  // JWK (RFC 7518 §6.3.2) wants the CRT exponents, which the OpenSSH format leaves out.
  const jwk: RsaPrivateJwk = {
    n: key.n, e: key.e, d: parts.d, p: parts.p, q: parts.q,
    dp: toBytes(d % (p - 1n)), dq: toBytes(d % (q - 1n)), qi: parts.iqmp,
  };
  const handles = new Map<RsaHash, Promise<CryptoKey>>();
  const handle = (hash: RsaHash) => {
    let h = handles.get(hash);
    if (!h) handles.set(hash, (h = rsaImportPrivate(jwk, hash)));
    return h;
  };
  try {
    await handle('SHA-512');
  } catch (cause) {
    throw new KeyError('KEY_MALFORMED', 'The RSA private key is not valid.', { cause });
  }
  return selfChecked(key, {
    type: key.type, publicKey: encodePublicKey(key), comment, algorithms: ['rsa-sha2-512', 'rsa-sha2-256'],
    async sign(algorithm, data) {
      const hash = RSA_SIGNATURE_HASH[algorithm];
      if (hash === undefined || hash === 'SHA-1') refuse(key.type, algorithm);
      return encodeSignatureBlob(algorithm, await rsaSign(await handle(hash), data));
    },
  });
}
