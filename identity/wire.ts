// The few SSH wire encodings identity/ writes itself (RFC 4251 §5): uint32, string, mpint.
const te = new TextEncoder();

export class BlobWriter {
  private readonly parts: Uint8Array[] = [];

  uint32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0);
    this.parts.push(b);
    return this;
  }

  string(v: Uint8Array | string): this {
    const bytes = typeof v === 'string' ? te.encode(v) : v;
    this.uint32(bytes.length);
    this.parts.push(bytes.slice());
    return this;
  }

  /** RFC 4251 §5 mpint of a non-negative integer given as unsigned big-endian bytes. */
  mpint(unsigned: Uint8Array): this {
    let i = 0;
    while (i < unsigned.length && unsigned[i] === 0) i++;
    const mag = unsigned.subarray(i);
    const needsZero = mag.length > 0 && (mag[0]! & 0x80) !== 0;
    const out = new Uint8Array(mag.length + (needsZero ? 1 : 0));
    out.set(mag, needsZero ? 1 : 0);
    return this.string(out);
  }

  toBytes(): Uint8Array {
    const total = this.parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let o = 0;
    for (const p of this.parts) { out.set(p, o); o += p.length; }
    return out;
  }
}

/** Reads the leading SSH string of a blob as text (the algorithm name). */
export function leadingName(blob: Uint8Array): string {
  if (blob.length < 4) return '';
  const n = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(0);
  if (4 + n > blob.length) return '';
  return new TextDecoder().decode(blob.subarray(4, 4 + n));
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function bigintBytes(v: bigint): Uint8Array {
  if (v < 0n) throw new RangeError('negative integer');
  const hex = v.toString(16);
  const padded = hex.length % 2 ? `0${hex}` : hex;
  const out = new Uint8Array(padded.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(padded.slice(2 * i, 2 * i + 2), 16);
  return out;
}
