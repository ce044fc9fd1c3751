/** A minimal DER TLV walker (X.690 §8.1): enough to cut raw fields out of signed structures. */
import { PkiParseError } from './errors.ts';

export interface Tlv {
  /** The identifier octet (class, constructed bit, tag number < 31). */
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

function malformedAt(offset: number, why: string): never {
  throw new PkiParseError('MALFORMED_DER', `Malformed DER at byte ${offset}: ${why}.`);
}

/** Reads one TLV at `offset`, which must end at or before `limit`. Called once per node of a CRL: no closure in it. */
export function readTlv(buf: Uint8Array, offset: number, limit = buf.length): Tlv {
  if (offset + 2 > limit) malformedAt(offset, 'truncated header');
  const tag = buf[offset] as number;
  if ((tag & 0x1f) === 0x1f) malformedAt(offset, 'high tag numbers are not used in X.509');
  let pos = offset + 1;
  const first = buf[pos++] as number;
  let length = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    // X.690 §10.1: DER uses the definite form; 4 length octets are far beyond any certificate.
    if (count === 0 || count > 4) malformedAt(offset, 'indefinite or oversized length');
    if (pos + count > limit) malformedAt(offset, 'truncated length');
    // X.690 §10.1: the fewest length octets; a non-minimal length would make two encodings of one value.
    if (buf[pos] === 0) malformedAt(offset, 'non-minimal length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buf[pos++] as number);
    if (length < 0x80) malformedAt(offset, 'non-minimal length');
  }
  const end = pos + length;
  if (end > limit) malformedAt(offset, 'content runs past its container');
  return { tag, start: offset, contentStart: pos, end };
}

/** The TLVs directly inside a constructed TLV. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.contentStart;
  while (pos < parent.end) {
    const t = readTlv(buf, pos, parent.end);
    out.push(t);
    pos = t.end;
  }
  return out;
}

export function whole(buf: Uint8Array, t: Tlv): Uint8Array {
  return buf.subarray(t.start, t.end);
}

export function content(buf: Uint8Array, t: Tlv): Uint8Array {
  return buf.subarray(t.contentStart, t.end);
}

/** Parses a top-level SEQUENCE that must span the whole buffer. */
export function topSequence(buf: Uint8Array, what: string): Tlv {
  const t = readTlv(buf, 0);
  if (t.tag !== 0x30) throw new PkiParseError('MALFORMED_DER', `${what} does not start with a SEQUENCE.`);
  if (t.end !== buf.length) throw new PkiParseError('MALFORMED_DER', `${what} has ${buf.length - t.end} trailing bytes.`);
  return t;
}

/** The content of a BIT STRING holding whole octets (signatures, keys): the unused-bits octet must be 0. */
export function octetBitString(buf: Uint8Array, t: Tlv, what: string): Uint8Array {
  if (t.tag !== 0x03 || t.end <= t.contentStart || buf[t.contentStart] !== 0) {
    throw new PkiParseError('MALFORMED_DER', `${what} is not a BIT STRING of whole octets.`);
  }
  return buf.subarray(t.contentStart + 1, t.end);
}

/** The dotted text of an OBJECT IDENTIFIER TLV (X.690 §8.19). */
export function oidText(buf: Uint8Array, t: Tlv): string {
  const b = content(buf, t);
  if (t.tag !== 0x06 || b.length === 0 || ((b[b.length - 1] as number) & 0x80)) throw new PkiParseError('MALFORMED_DER', `Malformed OBJECT IDENTIFIER at byte ${t.start}.`);
  const parts: number[] = [];
  let v = 0;
  for (const byte of b) {
    v = v * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) { parts.push(v); v = 0; }
  }
  const first = parts.shift() ?? 0;
  return [first < 80 ? Math.floor(first / 40) : 2, first < 80 ? first % 40 : first - 80, ...parts].join('.');
}
