/** Signature checks through WebCrypto and libsodium (RFC 5280 §6.1.3 (a)(1); RFC 4055; RFC 5758; RFC 8410). */
import { ab, toHex } from './bytes.ts';
import type { AlgorithmId } from './certificate.ts';
import { children, content, oidText, readTlv } from './der.ts';
import { rsaEncryptionSpki } from './rsa-pss-key.ts';

export interface SignaturePolicy {
  /** SHA-1 signatures are refused unless this is set (SHAttered, 2017). */
  readonly allowSha1: boolean;
}

export type SignatureResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: 'SIGNATURE_INVALID' | 'SIGNATURE_ALGORITHM_UNSUPPORTED' | 'SIGNATURE_ALGORITHM_WEAK'; readonly why: string };

export interface PublicKeyRef {
  readonly spki: Uint8Array;
  readonly keyAlgorithm: AlgorithmId;
  readonly publicKey: Uint8Array;
}

const HASH: Record<string, string> = {
  '1.3.14.3.2.26': 'SHA-1', '2.16.840.1.101.3.4.2.1': 'SHA-256', '2.16.840.1.101.3.4.2.2': 'SHA-384', '2.16.840.1.101.3.4.2.3': 'SHA-512',
};
const RSA_PKCS1: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'SHA-1', '1.2.840.113549.1.1.11': 'SHA-256', '1.2.840.113549.1.1.12': 'SHA-384', '1.2.840.113549.1.1.13': 'SHA-512',
};
const ECDSA: Record<string, string> = {
  '1.2.840.10045.4.1': 'SHA-1', '1.2.840.10045.4.3.2': 'SHA-256', '1.2.840.10045.4.3.3': 'SHA-384', '1.2.840.10045.4.3.4': 'SHA-512',
};
const CURVES: Record<string, { name: string; size: number }> = {
  '06082a8648ce3d030107': { name: 'P-256', size: 32 },
  '06052b81040022': { name: 'P-384', size: 48 },
  '06052b81040023': { name: 'P-521', size: 66 },
};
const RSA_PSS = '1.2.840.113549.1.1.10';
const ED25519 = '1.3.101.112';
const RSA_KEY = '1.2.840.113549.1.1.1';
const EC_KEY = '1.2.840.10045.2.1';
const MGF1 = '1.2.840.113549.1.1.8';
const DSA = new Set(['1.2.840.10040.4.3', '2.16.840.1.101.3.4.3.1', '2.16.840.1.101.3.4.3.2']);

const keyCache = new Map<string, Promise<CryptoKey>>();

function importKey(spki: Uint8Array, alg: RsaHashedImportParams | EcKeyImportParams): Promise<CryptoKey> {
  const k = `${alg.name}/${'hash' in alg ? String(alg.hash) : (alg as EcKeyImportParams).namedCurve}/${toHex(spki)}`;
  let p = keyCache.get(k);
  if (!p) {
    if (keyCache.size > 512) keyCache.clear();
    p = globalThis.crypto.subtle.importKey('spki', ab(spki), alg, false, ['verify']);
    keyCache.set(k, p);
    p.catch(() => keyCache.delete(k));
  }
  return p;
}

/** The OID of an AlgorithmIdentifier inside RSASSA-PSS-params. */
function oidOf(der: Uint8Array): string {
  return oidText(der, readTlv(der, 0));
}

/** RSASSA-PSS-params (RFC 4055 §3.1): hash, MGF1 hash, salt length. */
function pssParams(params: Uint8Array): { hash: string; saltLength: number } | string {
  let hash = '1.3.14.3.2.26';
  let mgfHash = '1.3.14.3.2.26';
  let saltLength = 20;
  const seq = readTlv(params, 0);
  for (const f of children(params, seq)) {
    const inner = readTlv(params, f.contentStart, f.end);
    if (f.tag === 0xa0) hash = oidOf(params.subarray(inner.contentStart, inner.end));
    else if (f.tag === 0xa1) {
      const parts = children(params, inner);
      const [mgf, mgfParams] = parts;
      if (!mgf || !mgfParams || oidOf(params.subarray(mgf.start, mgf.end)) !== MGF1) return 'only MGF1 is supported';
      mgfHash = oidOf(params.subarray(readTlv(params, mgfParams.contentStart, mgfParams.end).start, mgfParams.end));
    } else if (f.tag === 0xa2) {
      saltLength = 0;
      for (const byte of content(params, inner)) saltLength = saltLength * 256 + byte;
    }
  }
  if (hash !== mgfHash) return 'the MGF1 hash differs from the message hash';
  const name = HASH[hash];
  return name ? { hash: name, saltLength } : `hash ${hash} is not supported`;
}

/** DER ECDSA-Sig-Value to the fixed-size r||s WebCrypto expects. */
function ecdsaRaw(sig: Uint8Array, size: number): Uint8Array | undefined {
  const seq = readTlv(sig, 0);
  if (seq.tag !== 0x30 || seq.end !== sig.length) return undefined;
  const ints = children(sig, seq);
  if (ints.length !== 2) return undefined;
  const out = new Uint8Array(size * 2);
  for (const [n, t] of ints.entries()) {
    if (t.tag !== 0x02) return undefined;
    let v = content(sig, t);
    // X.690 §8.3.2: minimal, non-negative INTEGERs only, so one signature has one encoding.
    if (v.length === 0 || ((v[0] as number) & 0x80) || (v.length > 1 && v[0] === 0 && !((v[1] as number) & 0x80))) return undefined;
    if (v[0] === 0) v = v.subarray(1);
    if (v.length > size) return undefined;
    out.set(v, n * size + size - v.length);
  }
  return out;
}

/**
 * The smallest RSA modulus accepted for certificate, CRL and OCSP signatures: NIST SP 800-131A Rev. 2 §2 disallows
 * RSA under 2048 bits for signing, and CA/Browser Forum BR §6.1.5 requires 2048 for CAs. PKITS (RFC 5280 test
 * suite) uses 2048-bit RSA throughout, so it needs no exception.
 */
export const MIN_RSA_BITS = 2048;

function shortRsa(key: CryptoKey): SignatureResult | undefined {
  const bits = (key.algorithm as RsaHashedKeyAlgorithm).modulusLength;
  return bits < MIN_RSA_BITS
    ? { ok: false, code: 'SIGNATURE_ALGORITHM_WEAK', why: `it is signed with a ${bits}-bit RSA key, and RSA keys under ${MIN_RSA_BITS} bits are refused` }
    : undefined;
}

function weak(hash: string, policy: SignaturePolicy): SignatureResult | undefined {
  return hash === 'SHA-1' && !policy.allowSha1
    ? { ok: false, code: 'SIGNATURE_ALGORITHM_WEAK', why: 'it is signed with SHA-1, which this policy refuses' }
    : undefined;
}

/** Verifies `signature` over `data` with the issuer's key. Never throws. */
export async function verifySignature(
  data: Uint8Array, alg: AlgorithmId, signature: Uint8Array, key: PublicKeyRef, policy: SignaturePolicy,
): Promise<SignatureResult> {
  const bad: SignatureResult = { ok: false, code: 'SIGNATURE_INVALID', why: 'its signature does not verify with the issuer\'s public key' };
  const unsupported = (why: string): SignatureResult => ({ ok: false, code: 'SIGNATURE_ALGORITHM_UNSUPPORTED', why });
  try {
    const subtle = globalThis.crypto.subtle;
    const rsaHash = RSA_PKCS1[alg.oid];
    if (rsaHash) {
      if (key.keyAlgorithm.oid !== RSA_KEY) return bad;
      const w = weak(rsaHash, policy);
      if (w) return w;
      const k = await importKey(key.spki, { name: 'RSASSA-PKCS1-v1_5', hash: rsaHash });
      const short = shortRsa(k);
      if (short) return short;
      return (await subtle.verify('RSASSA-PKCS1-v1_5', k, ab(signature), ab(data))) ? { ok: true } : bad;
    }
    if (alg.oid === RSA_PSS) {
      if (!alg.params) return unsupported('RSA-PSS without parameters');
      const p = pssParams(alg.params);
      if (typeof p === 'string') return unsupported(`RSA-PSS: ${p}`);
      const w = weak(p.hash, policy);
      if (w) return w;
      if (key.keyAlgorithm.oid !== RSA_KEY && key.keyAlgorithm.oid !== RSA_PSS) return bad;
      let spki = key.spki;
      if (key.keyAlgorithm.oid === RSA_PSS) {
        // RFC 4055 §3.1: a PSS key's parameters restrict its use: the same hash (and MGF1 hash), at least that salt.
        const params = key.keyAlgorithm.params;
        if (params && !(params.length === 2 && params[0] === 0x05)) {
          const kp = pssParams(params);
          if (typeof kp === 'string') return unsupported(`RSA-PSS key: ${kp}`);
          if (kp.hash !== p.hash || p.saltLength < kp.saltLength) {
            return { ok: false, code: 'SIGNATURE_INVALID', why: `its RSA-PSS signature (${p.hash}, salt ${p.saltLength}) is outside what the issuer's key allows (${kp.hash}, salt at least ${kp.saltLength})` };
          }
        }
        // WebCrypto imports RSA-PSS keys only from rsaEncryption SPKIs: re-label the id-RSASSA-PSS one.
        spki = rsaEncryptionSpki(key.spki);
      }
      const k = await importKey(spki, { name: 'RSA-PSS', hash: p.hash });
      const short = shortRsa(k);
      if (short) return short;
      return (await subtle.verify({ name: 'RSA-PSS', saltLength: p.saltLength }, k, ab(signature), ab(data))) ? { ok: true } : bad;
    }
    const ecHash = ECDSA[alg.oid];
    if (ecHash) {
      if (key.keyAlgorithm.oid !== EC_KEY || !key.keyAlgorithm.params) return bad;
      const curve = CURVES[toHex(key.keyAlgorithm.params)];
      if (!curve) return unsupported('the issuer key is on an elliptic curve other than P-256, P-384 or P-521');
      const w = weak(ecHash, policy);
      if (w) return w;
      const raw = ecdsaRaw(signature, curve.size);
      if (!raw) return bad;
      const k = await importKey(key.spki, { name: 'ECDSA', namedCurve: curve.name });
      return (await subtle.verify({ name: 'ECDSA', hash: ecHash }, k, ab(raw), ab(data))) ? { ok: true } : bad;
    }
    if (alg.oid === ED25519) {
      if (key.keyAlgorithm.oid !== ED25519 || key.publicKey.length !== 32 || signature.length !== 64) return bad;
      // Loaded on first use: most paths never need the WebAssembly module.
      const sodium = (await import('libsodium-wrappers-sumo')).default;
      await sodium.ready;
      return sodium.crypto_sign_verify_detached(signature, data, key.publicKey) ? { ok: true } : bad;
    }
    if (DSA.has(alg.oid)) return unsupported('DSA signatures are not supported');
    return unsupported(`the signature algorithm ${alg.oid} is not supported`);
  } catch {
    // A key WebCrypto refuses to import, or a malformed parameter block.
    return bad;
  }
}
