// RFC 4251 §5 data types. A reader is created per message; a short read throws, never returns undefined.
import { SshProtocolError } from '../errors.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export class SshReader {
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  private take(n: number, what: string): Uint8Array {
    if (n < 0 || n > this.remaining) {
      throw new SshProtocolError('WIRE_SHORT_READ', `truncated ${what}: need ${n} bytes, ${this.remaining} left`);
    }
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  byte(): number {
    return this.take(1, 'byte')[0]!;
  }

  boolean(): boolean {
    return this.byte() !== 0;
  }

  uint32(): number {
    const b = this.take(4, 'uint32');
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  }

  uint64(): bigint {
    const hi = BigInt(this.uint32());
    return (hi << 32n) | BigInt(this.uint32());
  }

  /** The length field of the next `string` or `mpint`, not taken (to refuse an oversized value before reading it). */
  peekLength(): number {
    const at = this.offset;
    const n = this.uint32();
    this.offset = at;
    return n;
  }

  /** `string`: uint32 length, then that many bytes. The view shares the message buffer. */
  string(): Uint8Array {
    return this.take(this.uint32(), 'string');
  }

  /** A string that must be valid UTF-8 (RFC 4251 §5: ISO-10646 UTF-8 text). */
  utf8(): string {
    try {
      return utf8.decode(this.string());
    } catch (cause) {
      if (cause instanceof SshProtocolError) throw cause;
      throw new SshProtocolError('WIRE_BAD_UTF8', 'string is not valid UTF-8', { cause });
    }
  }

  /** An ASCII name (algorithm names, service names). */
  name(): string {
    const b = this.string();
    for (const c of b) {
      if (c < 0x20 || c > 0x7e) throw new SshProtocolError('WIRE_BAD_NAME', 'name contains a non-printable byte');
    }
    // Printable ASCII decodes the same as UTF-8. Not String.fromCharCode(...b): a spread of a packet's worth of
    // bytes (up to 256 KiB) exceeds the engine's argument limit with a RangeError.
    return utf8.decode(b);
  }

  /** `name-list`: comma-separated names, no empty names (RFC 4251 §5). */
  nameList(): string[] {
    const s = this.name();
    if (s === '') return [];
    const names = s.split(',');
    if (names.some((n) => n === '')) throw new SshProtocolError('WIRE_BAD_NAME_LIST', `empty name in name-list "${s}"`);
    return names;
  }

  /** `mpint`: two's complement, big-endian, minimal. Returned as a non-negative bigint. */
  mpint(): bigint {
    const b = this.string();
    if (b.length === 0) return 0n;
    if (b[0]! & 0x80) throw new SshProtocolError('WIRE_NEGATIVE_MPINT', 'negative mpint where a positive one is required');
    if (b.length > 1 && b[0] === 0 && !(b[1]! & 0x80)) {
      throw new SshProtocolError('WIRE_BAD_MPINT', 'mpint has an unnecessary leading zero');
    }
    // Through hex: linear in the length (shifting a byte in at a time is quadratic: seconds for a 256 KiB value).
    let hex = '';
    for (const x of b) hex += HEX[x]!;
    return BigInt(`0x${hex}`);
  }

  /** The raw magnitude bytes of a non-negative mpint, without the sign byte. */
  mpintBytes(): Uint8Array {
    const b = this.string();
    if (b.length > 0 && b[0]! & 0x80) throw new SshProtocolError('WIRE_NEGATIVE_MPINT', 'negative mpint');
    return b.length > 0 && b[0] === 0 ? b.subarray(1) : b;
  }

  raw(n: number): Uint8Array {
    return this.take(n, 'bytes');
  }

  rest(): Uint8Array {
    return this.take(this.remaining, 'bytes');
  }

  /** Messages must be consumed whole; trailing bytes mean a malformed message. */
  end(): void {
    if (this.remaining !== 0) {
      throw new SshProtocolError('WIRE_TRAILING_BYTES', `${this.remaining} unexpected trailing bytes`);
    }
  }
}
