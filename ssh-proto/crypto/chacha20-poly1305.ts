// ChaCha20 (the original 64-bit-nonce variant) and Poly1305 from libsodium, arranged as OpenSSH's
// chacha20-poly1305@openssh.com uses them (PROTOCOL.chacha20poly1305). This is the hot path, so it calls
// libsodium's WebAssembly exports on a reused heap area instead of the wrappers (which allocate, copy in
// and copy out for every call): one copy into the heap, the primitives in place, one copy out.
import { libsodium, sodium, type LibSodium, type Sodium } from './sodium.ts';

export interface ChaChaPoly {
  /** ChaCha20 keystream XOR with a 64-bit nonce and a starting block counter. */
  xor(input: Uint8Array, nonce: Uint8Array, counter: number, key: Uint8Array): Uint8Array;
  poly1305(message: Uint8Array, key: Uint8Array): Uint8Array;
  /** Constant-time tag check (libsodium crypto_onetimeauth_verify). */
  poly1305Verify(tag: Uint8Array, message: Uint8Array, key: Uint8Array): boolean;
}

function bind(s: Sodium): ChaChaPoly {
  return {
    xor: (input, nonce, counter, key) => s.crypto_stream_chacha20_xor_ic(input, nonce, counter, key),
    poly1305: (message, key) => s.crypto_onetimeauth(message, key),
    poly1305Verify: (tag, message, key) => s.crypto_onetimeauth_verify(tag, message, key),
  };
}

let bound: Promise<ChaChaPoly> | undefined;

/** The primitives one by one (for vectors and tests). */
export function chachaPoly(): Promise<ChaChaPoly> {
  bound ??= sodium().then(bind);
  return bound;
}

/** One shared scratch area in the WebAssembly heap, grown as needed (JavaScript is single-threaded). */
let scratch = { ptr: 0, size: 0 };
function workspace(lib: LibSodium, n: number): number {
  if (scratch.size < n) {
    if (scratch.ptr) lib._free(scratch.ptr);
    const size = Math.max(n, 64 * 1024);
    scratch = { ptr: lib._malloc(size), size };
  }
  return scratch.ptr;
}

/**
 * Plaintexts of packets received in pieces (openParts) leave the heap into slices of a shared slab: one allocation per 256 KiB instead of one per packet
 * (allocating and collecting a fresh buffer per 32 KiB packet cost more than the copy). A slab lives until the
 * last payload cut from it is dropped.
 */
const SLAB_BYTES = 256 * 1024;
let slab = new Uint8Array(0);
let slabAt = 0;
function copyOut(src: Uint8Array): Uint8Array {
  const n = src.length;
  if (n > SLAB_BYTES / 4) return src.slice();
  if (slabAt + n > slab.length) { slab = new Uint8Array(SLAB_BYTES); slabAt = 0; }
  const out = slab.subarray(slabAt, slabAt + n);
  out.set(src);
  slabAt += (n + 7) & ~7;
  return out;
}

/**
 * The chacha20-poly1305@openssh.com packet transform for one direction. K_2 (first 32 key bytes) encrypts
 * the payload from block 1 and gives the Poly1305 key (block 0); K_1 (last 32) encrypts the length.
 * The nonce is the sequence number as a big-endian uint64.
 */
/** Loaded once; kept out of instances so that printing one (a test failure) never walks the whole heap. */
let LIB: LibSodium | undefined;

export class OpenSshChaChaPoly {
  private disposed = false;
  private constructor(private readonly base: number) {}
  private get lib(): LibSodium {
    // The keys' heap area is freed by dispose(): using it after would read whatever the heap put there since.
    if (this.disposed) throw new Error('a chacha20-poly1305@openssh.com key was used after it was disposed');
    return LIB!;
  }
  // Heap layout at `base`: K_2 (32) | K_1 (32) | nonce (8) | Poly1305 key (32) | length block (4)
  private get k2() { return this.base; }
  private get k1() { return this.base + 32; }
  private get nonce() { return this.base + 64; }
  private get polyKey() { return this.base + 72; }
  private get lengthBlock() { return this.base + 104; }

  static async create(key: Uint8Array): Promise<OpenSshChaChaPoly> {
    if (key.length !== 64) throw new RangeError(`chacha20-poly1305@openssh.com needs 64 key bytes, got ${key.length}`);
    const lib = (LIB ??= await libsodium());
    const base = lib._malloc(112);
    lib.HEAPU8.set(key, base);
    return new OpenSshChaChaPoly(base);
  }

  private setNonce(seq: number): void {
    const h = this.lib.HEAPU8;
    const n = this.nonce;
    h.fill(0, n, n + 4);
    h[n + 4] = seq >>> 24; h[n + 5] = (seq >>> 16) & 0xff; h[n + 6] = (seq >>> 8) & 0xff; h[n + 7] = seq & 0xff;
    this.lib._crypto_stream_chacha20(this.polyKey, 32, 0, n, this.k2);
  }

  /** packet = uint32 length || rest (plaintext). Returns encrypted length || encrypted rest || tag. */
  seal(seq: number, packet: Uint8Array): Uint8Array {
    const lib = this.lib;
    const n = packet.length;
    const buf = workspace(lib, n + 16);
    lib.HEAPU8.set(packet, buf);
    this.setNonce(seq);
    lib._crypto_stream_chacha20_xor_ic(buf, buf, 4, 0, this.nonce, 0, 0, this.k1);
    lib._crypto_stream_chacha20_xor_ic(buf + 4, buf + 4, n - 4, 0, this.nonce, 1, 0, this.k2);
    lib._crypto_onetimeauth(buf + n, buf, n, 0, this.polyKey);
    return lib.HEAPU8.slice(buf, buf + n + 16);
  }

  /** The packet length from the first 4 encrypted bytes. */
  length(seq: number, head: Uint8Array): number {
    const lib = this.lib;
    const h = lib.HEAPU8;
    const b = this.lengthBlock;
    h.set(head.subarray(0, 4), b);
    const n = this.nonce;
    h.fill(0, n, n + 4);
    h[n + 4] = seq >>> 24; h[n + 5] = (seq >>> 16) & 0xff; h[n + 6] = (seq >>> 8) & 0xff; h[n + 7] = seq & 0xff;
    lib._crypto_stream_chacha20_xor_ic(b, b, 4, 0, n, 0, 0, this.k1);
    const v = lib.HEAPU8;
    return ((v[b]! << 24) | (v[b + 1]! << 16) | (v[b + 2]! << 8) | v[b + 3]!) >>> 0;
  }

  /**
   * wire = encrypted length || encrypted rest || tag. Verifies the tag first; undefined when it fails (`wire`
   * untouched). The plaintext goes back into `wire` (the caller gave it up, backend.ts): no buffer per packet.
   */
  open(seq: number, wire: Uint8Array): Uint8Array | undefined {
    const lib = this.lib;
    const buf = workspace(lib, wire.length);
    lib.HEAPU8.set(wire, buf);
    const n = wire.length - 16;
    if (!this.decryptInHeap(seq, buf, wire.length)) return undefined;
    wire.set(lib.HEAPU8.subarray(buf + 4, buf + n), 4);
    return wire.subarray(4, n);
  }

  /** `open` for a packet received in pieces (socket reads): each is copied into the heap, never joined first. */
  openParts(seq: number, parts: readonly Uint8Array[], length: number): Uint8Array | undefined {
    const lib = this.lib;
    const buf = workspace(lib, length);
    let at = buf;
    for (const p of parts) { lib.HEAPU8.set(p, at); at += p.length; }
    if (at - buf !== length) throw new RangeError(`packet pieces hold ${at - buf} bytes, not ${length}`);
    if (!this.decryptInHeap(seq, buf, length)) return undefined;
    return copyOut(lib.HEAPU8.subarray(buf + 4, buf + length - 16));
  }

  /** Checks the tag of the packet at `buf` and decrypts its rest in place; false when the tag fails. */
  private decryptInHeap(seq: number, buf: number, length: number): boolean {
    const lib = this.lib;
    const n = length - 16;
    this.setNonce(seq);
    if (lib._crypto_onetimeauth_verify(buf + n, buf, n, 0, this.polyKey) !== 0) return false;
    lib._crypto_stream_chacha20_xor_ic(buf + 4, buf + 4, n - 4, 0, this.nonce, 1, 0, this.k2);
    return true;
  }

  /** Wipes and frees the keys (after a rekey). */
  dispose(): void {
    if (this.disposed) return;
    this.lib.HEAPU8.fill(0, this.base, this.base + 112);
    this.lib._free(this.base);
    this.disposed = true;
  }
}
