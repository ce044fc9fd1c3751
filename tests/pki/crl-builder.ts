/**
 * CRLs written byte by byte (RFC 5280 §5.1) and signed with WebCrypto: @peculiar/x509's generator needs seconds for a
 * few thousand entries, and the large-CRL cases need hundreds of thousands.
 */
import { parseCertificate } from '../../pki/index.ts';
import type { Issued } from './test-pki.ts';

function len(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

/** One DER TLV. */
export function tlv(tag: number, ...parts: (Uint8Array | readonly number[])[]): Uint8Array<ArrayBuffer> {
  return tlvOf(tag, parts);
}

/** One DER TLV around a list of parts too long to spread into arguments. */
export function tlvOf(tag: number, parts: readonly (Uint8Array | readonly number[])[]): Uint8Array<ArrayBuffer> {
  const body = parts.reduce((n, p) => n + p.length, 0);
  const head = [tag, ...len(body)];
  const out = new Uint8Array(head.length + body);
  out.set(head);
  let at = head.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A non-negative INTEGER from hex. */
export function integer(hex: string): Uint8Array {
  const b = Array.from(hex.padStart(hex.length + (hex.length % 2), '0').match(/../g) ?? ['00'], (h) => parseInt(h, 16));
  while (b.length > 1 && b[0] === 0 && !((b[1] as number) & 0x80)) b.shift();
  if ((b[0] as number) & 0x80) b.unshift(0);
  return tlv(0x02, b);
}

/** UTCTime (RFC 5280 §4.1.2.5.1) for years before 2050. */
export function utcTime(d: Date): Uint8Array {
  const s = d.toISOString().replace(/[-:T]/g, '').slice(2, 14);
  return tlv(0x17, Array.from(`${s}Z`, (c) => c.charCodeAt(0)));
}

const ECDSA_SHA256 = tlv(0x30, tlv(0x06, [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]));
const CRL_REASON = [0x55, 0x1d, 0x15];

/** An entry: serial, date, and a reason code (keyCompromise 1 ...) as a crlReason extension. */
export function crlEntry(serialHex: string, date: Date, reason?: number): Uint8Array {
  const ext = reason === undefined ? [] : [tlv(0x30, tlv(0x30, tlv(0x06, CRL_REASON), tlv(0x04, tlv(0x0a, [reason]))))];
  return tlv(0x30, integer(serialHex), utcTime(date), ...ext);
}

/** Raw r||s to DER ECDSA-Sig-Value. */
function ecdsaDer(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  return tlv(0x30, integer(Buffer.from(raw.subarray(0, half)).toString('hex')), integer(Buffer.from(raw.subarray(half)).toString('hex')));
}

/** A v2 CRL of `issuer` (an ECDSA P-256 CA from test-pki) over pre-encoded entries; `extensions` are whole Extension TLVs. */
export async function signedCrl(issuer: Issued, entries: readonly Uint8Array[], o: { thisUpdate: Date; nextUpdate: Date; extensions?: Uint8Array[] }): Promise<Uint8Array> {
  const exts = o.extensions && o.extensions.length > 0 ? [tlv(0xa0, tlv(0x30, ...o.extensions))] : [];
  const revoked = entries.length > 0 ? [tlvOf(0x30, entries)] : [];
  const tbs = tlv(0x30, integer('01'), ECDSA_SHA256, parseCertificate(issuer.der).subjectDer, utcTime(o.thisUpdate), utcTime(o.nextUpdate), ...revoked, ...exts);
  const raw = new Uint8Array(await globalThis.crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, issuer.keys.privateKey, tbs));
  return tlv(0x30, tbs, ECDSA_SHA256, tlv(0x03, [0], ecdsaDer(raw)));
}
