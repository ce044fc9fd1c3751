// Poly1305 (RFC 8439 §2.5) from libsodium, for a backend that brings its own ChaCha20 (node:crypto has no raw
// Poly1305). The message is copied once into a heap area owned by this object; the tag is computed or checked
// in place (crypto_onetimeauth, crypto_onetimeauth_verify: constant time).
import { libsodium, type LibSodium } from './sodium.ts';

const KEY_BYTES = 32;
const TAG_BYTES = 16;

export class Poly1305Heap {
  private ptr = 0;
  private size = 0;
  /** Where the one-time key goes (just after the area's message + tag room). */
  private keyAt = 0;

  private constructor(private readonly lib: LibSodium) {}

  static async create(): Promise<Poly1305Heap> {
    return new Poly1305Heap(await libsodium());
  }

  /** Copies `parts` into the area, one after another from offset 0, with room for a tag after them. Returns the total. */
  load(parts: readonly Uint8Array[]): number {
    let total = 0;
    for (const p of parts) total += p.length;
    this.reserve(total + TAG_BYTES);
    const heap = this.lib.HEAPU8;
    let at = this.ptr;
    for (const p of parts) { heap.set(p, at); at += p.length; }
    return total;
  }

  /** Bytes [from, to) of the area. A view: valid until the next call on this object. */
  bytes(from: number, to: number): Uint8Array {
    return this.lib.HEAPU8.subarray(this.ptr + from, this.ptr + to);
  }

  /** Writes the tag of the first `length` loaded bytes right after them. */
  writeTag(oneTimeKey: Uint8Array, length: number): void {
    this.setKey(oneTimeKey, length);
    this.lib._crypto_onetimeauth(this.ptr + length, this.ptr, length, 0, this.keyAt);
  }

  /** True when the 16 loaded bytes after the first `length` are those bytes' tag. */
  verify(oneTimeKey: Uint8Array, length: number): boolean {
    this.setKey(oneTimeKey, length);
    return this.lib._crypto_onetimeauth_verify(this.ptr + length, this.ptr, length, 0, this.keyAt) === 0;
  }

  /** Wipes and frees the area. */
  dispose(): void {
    if (!this.ptr) return;
    this.lib.HEAPU8.fill(0, this.ptr, this.keyAt + KEY_BYTES);
    this.lib._free(this.ptr);
    this.ptr = 0;
    this.size = 0;
  }

  private setKey(key: Uint8Array, length: number): void {
    if (length < 0 || length + TAG_BYTES > this.size) throw new RangeError(`${length} bytes plus a tag do not fit the ${this.size} loaded`);
    if (key.length !== KEY_BYTES) throw new RangeError(`a Poly1305 key has ${KEY_BYTES} bytes, got ${key.length}`);
    this.lib.HEAPU8.set(key, this.keyAt);
  }

  private reserve(n: number): void {
    if (this.size >= n) return;
    this.dispose();
    const size = Math.max(n, 64 * 1024);
    this.ptr = this.lib._malloc(size + KEY_BYTES);
    this.size = size;
    this.keyAt = this.ptr + size;
  }
}
