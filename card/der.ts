// Just enough DER (ITU-T X.690) for what a card hands back: the SubjectPublicKeyInfo
// of a certificate (RFC 5280 §4.1), SPKI built from raw key parts (RFC 3279, RFC 5480,
// RFC 8410), and ECDSA signatures (RFC 3279 §2.2.3).
import { concatBytes } from './apdu.ts';
import { MalformedResponseError } from './errors.ts';
import { encodeTlv, readTlv } from './tlv.ts';

const SEQ = 0x30;

function children(value: Uint8Array): { tag: number; value: Uint8Array; raw: Uint8Array }[] {
  const out: { tag: number; value: Uint8Array; raw: Uint8Array }[] = [];
  let p = 0;
  while (p < value.length) {
    const { tlv, next } = readTlv(value, p);
    out.push({ tag: tlv.tag, value: tlv.value, raw: value.subarray(p, next) });
    p = next;
  }
  return out;
}

/** The DER SubjectPublicKeyInfo of an X.509 certificate (tbsCertificate field 7 or 6). */
export function certificateSpki(cert: Uint8Array): Uint8Array {
  const top = readTlv(cert, 0).tlv;
  if (top.tag !== SEQ) throw new MalformedResponseError('The certificate is not a DER SEQUENCE');
  const tbs = children(top.value)[0];
  if (!tbs || tbs.tag !== SEQ) throw new MalformedResponseError('The certificate has no tbsCertificate');
  const fields = children(tbs.value);
  // [0] version is optional; then serial, signature, issuer, validity, subject, SPKI.
  const base = fields[0]?.tag === 0xa0 ? 1 : 0;
  const spki = fields[base + 5];
  if (!spki || spki.tag !== SEQ) throw new MalformedResponseError('The certificate has no SubjectPublicKeyInfo');
  return spki.raw.slice();
}

const OID_RSA = Uint8Array.of(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01);
const OID_EC = Uint8Array.of(0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01);
const OID_P256 = Uint8Array.of(0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07);
const OID_P384 = Uint8Array.of(0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22);
const OID_ED25519 = Uint8Array.of(0x06, 0x03, 0x2b, 0x65, 0x70);
const NULL = Uint8Array.of(0x05, 0x00);

/** A DER INTEGER from unsigned big-endian bytes (leading zeros dropped, 00 added if the top bit is set). */
export function derUnsignedInteger(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  let v = bytes.subarray(i);
  if (v.length === 0) v = Uint8Array.of(0);
  if (v[0]! & 0x80) v = concatBytes([Uint8Array.of(0), v]);
  return encodeTlv(0x02, v);
}

function bitString(content: Uint8Array): Uint8Array {
  return encodeTlv(0x03, concatBytes([Uint8Array.of(0), content]));
}

export function rsaSpki(modulus: Uint8Array, exponent: Uint8Array): Uint8Array {
  const key = encodeTlv(SEQ, concatBytes([derUnsignedInteger(modulus), derUnsignedInteger(exponent)]));
  return encodeTlv(SEQ, concatBytes([encodeTlv(SEQ, concatBytes([OID_RSA, NULL])), bitString(key)]));
}

export function ecSpki(curve: 'P-256' | 'P-384', point: Uint8Array): Uint8Array {
  const size = curve === 'P-256' ? 32 : 48;
  if (point.length !== 1 + 2 * size || point[0] !== 0x04) throw new MalformedResponseError(`The card's ${curve} public point is malformed`);
  const alg = encodeTlv(SEQ, concatBytes([OID_EC, curve === 'P-256' ? OID_P256 : OID_P384]));
  return encodeTlv(SEQ, concatBytes([alg, bitString(point)]));
}

export function ed25519Spki(publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== 32) throw new MalformedResponseError('The card\'s Ed25519 public key is not 32 bytes');
  return encodeTlv(SEQ, concatBytes([encodeTlv(SEQ, OID_ED25519), bitString(publicKey)]));
}

export interface EcdsaSignature {
  readonly r: bigint;
  readonly s: bigint;
}

function toBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** Parses a DER ECDSA-Sig-Value SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 §2.2.3). */
export function parseDerEcdsaSignature(der: Uint8Array): EcdsaSignature {
  const { tlv, next } = readTlv(der, 0);
  if (tlv.tag !== SEQ || next !== der.length) throw new MalformedResponseError('The ECDSA signature is not a single DER SEQUENCE');
  const parts = children(tlv.value);
  if (parts.length !== 2 || parts[0]!.tag !== 0x02 || parts[1]!.tag !== 0x02) throw new MalformedResponseError('The ECDSA signature is not SEQUENCE { r, s }');
  const r = parts[0]!.value, s = parts[1]!.value;
  if (r.length === 0 || s.length === 0 || (r[0]! & 0x80) || (s[0]! & 0x80)) throw new MalformedResponseError('The ECDSA signature has a negative or empty integer');
  return { r: toBigInt(r), s: toBigInt(s) };
}

/** Fixed-size big-endian bytes of a non-negative integer. */
export function integerBytes(v: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--) { out[i] = Number(v & 0xffn); v >>= 8n; }
  if (v !== 0n) throw new MalformedResponseError(`An integer does not fit in ${size} bytes`);
  return out;
}

/** DER ECDSA-Sig-Value from raw r||s (OpenPGP cards answer raw; SSH wants integers). */
export function rawToDerEcdsa(raw: Uint8Array): Uint8Array {
  if (raw.length === 0 || raw.length % 2 !== 0) throw new MalformedResponseError('The raw ECDSA signature has an odd length');
  const half = raw.length / 2;
  return encodeTlv(SEQ, concatBytes([derUnsignedInteger(raw.subarray(0, half)), derUnsignedInteger(raw.subarray(half))]));
}
