// BER-TLV as cards use it (ISO/IEC 7816-4 §5.2; SP 800-73-4 Part 1 Appendix A):
// tags of one to three bytes, lengths in 1 (< 0x80), 81 xx, 82 xx xx or 83 xx xx xx form.
import { concatBytes } from './apdu.ts';
import { MalformedResponseError } from './errors.ts';

export interface Tlv {
  readonly tag: number;
  readonly value: Uint8Array;
}

/** Reads one TLV at `offset`; throws MalformedResponseError on a short or bad encoding. */
export function readTlv(bytes: Uint8Array, offset: number): { tlv: Tlv; next: number } {
  let p = offset;
  const byte = (): number => {
    if (p >= bytes.length) throw new MalformedResponseError(`TLV truncated at byte ${p}`);
    return bytes[p++]!;
  };
  let tag = byte();
  if ((tag & 0x1f) === 0x1f) {
    // Multi-byte tag: subsequent bytes while bit 8 is set (at most 3 bytes in total here).
    let b = byte();
    tag = (tag << 8) | b;
    if (b & 0x80) { b = byte(); tag = (tag << 8) | b; if (b & 0x80) throw new MalformedResponseError('TLV tag longer than 3 bytes'); }
  }
  let len = byte();
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3) throw new MalformedResponseError(`Unsupported TLV length form 0x${len.toString(16)}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + byte();
  }
  if (p + len > bytes.length) throw new MalformedResponseError(`TLV value of ${len} bytes runs past the end (${bytes.length - p} left)`);
  return { tlv: { tag, value: bytes.subarray(p, p + len) }, next: p + len };
}

/** Parses a sequence of TLVs filling `bytes` exactly. Padding bytes 00/FF between objects are skipped. */
export function parseTlvs(bytes: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  let p = 0;
  while (p < bytes.length) {
    if (bytes[p] === 0x00 || bytes[p] === 0xff) { p++; continue; }
    const { tlv, next } = readTlv(bytes, p);
    out.push(tlv);
    p = next;
  }
  return out;
}

export function findTlv(tlvs: readonly Tlv[], tag: number): Uint8Array | undefined {
  return tlvs.find((t) => t.tag === tag)?.value;
}

export function requireTlv(tlvs: readonly Tlv[], tag: number, what: string): Uint8Array {
  const v = findTlv(tlvs, tag);
  if (v === undefined) throw new MalformedResponseError(`The card's ${what} lacks tag ${tag.toString(16).toUpperCase()}`);
  return v;
}

/** Parses `bytes` as exactly one TLV with the expected tag and returns its value. */
export function unwrapTlv(bytes: Uint8Array, tag: number, what: string): Uint8Array {
  const { tlv, next } = readTlv(bytes, 0);
  if (tlv.tag !== tag) throw new MalformedResponseError(`The card's ${what} starts with tag ${tlv.tag.toString(16).toUpperCase()}, expected ${tag.toString(16).toUpperCase()}`);
  if (next !== bytes.length && bytes.subarray(next).some((b) => b !== 0x00)) throw new MalformedResponseError(`The card's ${what} has trailing bytes`);
  return tlv.value;
}

export function encodeLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  if (n < 0x100) return Uint8Array.of(0x81, n);
  if (n < 0x10000) return Uint8Array.of(0x82, n >> 8, n & 0xff);
  return Uint8Array.of(0x83, n >> 16, (n >> 8) & 0xff, n & 0xff);
}

function encodeTag(tag: number): Uint8Array {
  if (tag > 0xffff) return Uint8Array.of(tag >> 16, (tag >> 8) & 0xff, tag & 0xff);
  if (tag > 0xff) return Uint8Array.of(tag >> 8, tag & 0xff);
  return Uint8Array.of(tag);
}

export function encodeTlv(tag: number, value: Uint8Array): Uint8Array {
  return concatBytes([encodeTag(tag), encodeLength(value.length), value]);
}
