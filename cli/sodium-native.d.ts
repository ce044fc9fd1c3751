// Types for the parts of the `sodium-native` addon (native libsodium, sodium-native 4.x) that cli/native-chacha-poly.ts
// uses. It is a CommonJS module whose exports Node cannot list statically: import its default. Every function works on
// the caller's memory and throws on a wrong length.
declare module 'sodium-native' {
  interface SodiumNative {
    /** ChaCha20 with a 64-bit nonce and a 64-bit block counter starting at `ic` (DJB's original); `c` may be `m`. */
    crypto_stream_chacha20_xor_ic(c: Uint8Array, m: Uint8Array, n: Uint8Array, ic: number, k: Uint8Array): void;
    /** Poly1305 (RFC 8439 §2.5) of `input` under a one-time key, into the 16-byte `out`. */
    crypto_onetimeauth(out: Uint8Array, input: Uint8Array, k: Uint8Array): void;
    /** True when `h` is the tag of `input` (constant time). */
    crypto_onetimeauth_verify(h: Uint8Array, input: Uint8Array, k: Uint8Array): boolean;
    crypto_onetimeauth_init(state: Buffer, k: Uint8Array): void;
    crypto_onetimeauth_update(state: Buffer, input: Uint8Array): void;
    crypto_onetimeauth_final(state: Buffer, out: Uint8Array): void;
    readonly crypto_onetimeauth_STATEBYTES: number;
    /** Compares equal-length buffers in constant time. */
    sodium_memcmp(a: Uint8Array, b: Uint8Array): boolean;
    sodium_memzero(b: Uint8Array): void;
  }
  const sodium: SodiumNative;
  export default sodium;
}
