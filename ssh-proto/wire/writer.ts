// RFC 4251 §5 data types, written into a growing buffer.
const utf8 = new TextEncoder();

export class SshWriter {
  private buf: Uint8Array;
  private length = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
  }

  private reserve(n: number): number {
    const need = this.length + n;
    if (need > this.buf.length) {
      const next = new Uint8Array(Math.max(need, this.buf.length * 2));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    const at = this.length;
    this.length = need;
    return at;
  }

  byte(v: number): this {
    const at = this.reserve(1);
    this.buf[at] = v & 0xff;
    return this;
  }

  boolean(v: boolean): this {
    return this.byte(v ? 1 : 0);
  }

  uint32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`uint32 out of range: ${v}`);
    const at = this.reserve(4);
    this.buf[at] = v >>> 24;
    this.buf[at + 1] = (v >>> 16) & 0xff;
    this.buf[at + 2] = (v >>> 8) & 0xff;
    this.buf[at + 3] = v & 0xff;
    return this;
  }

  uint64(v: bigint): this {
    if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`uint64 out of range: ${v}`);
    return this.uint32(Number(v >> 32n)).uint32(Number(v & 0xffffffffn));
  }

  raw(bytes: Uint8Array): this {
    const at = this.reserve(bytes.length); // may replace this.buf: reserve first
    this.buf.set(bytes, at);
    return this;
  }

  string(v: Uint8Array | string): this {
    const bytes = typeof v === 'string' ? utf8.encode(v) : v;
    return this.uint32(bytes.length).raw(bytes);
  }

  nameList(names: readonly string[]): this {
    return this.string(names.join(','));
  }

  /** `mpint` from a non-negative bigint (RFC 4251 §5): minimal, with a 0 byte when the top bit is set. */
  mpint(v: bigint): this {
    if (v < 0n) throw new RangeError('negative mpint');
    if (v === 0n) return this.uint32(0);
    let hex = v.toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    const mag = new Uint8Array(hex.length / 2);
    for (let i = 0; i < mag.length; i++) mag[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return this.mpintBytes(mag);
  }

  /** `mpint` from unsigned big-endian magnitude bytes (leading zeros are stripped). */
  mpintBytes(magnitude: Uint8Array): this {
    let i = 0;
    while (i < magnitude.length && magnitude[i] === 0) i++;
    const m = magnitude.subarray(i);
    if (m.length === 0) return this.uint32(0);
    const pad = m[0]! & 0x80 ? 1 : 0;
    this.uint32(m.length + pad);
    if (pad) this.byte(0);
    return this.raw(m);
  }

  /** The bytes written so far, not copied: for a message handed on at once, after which the writer is not used. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** The bytes written so far (a copy, safe to keep). */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
