// RFC 5647 §7.1: an SSH AES-GCM IV is a 4-byte fixed field and an 8-byte invocation counter, which advances by
// one per packet (mod 2^64), carrying across its bytes.

/** Advances `iv`'s invocation counter (its last 8 bytes) in place. */
export function advanceGcmCounter(iv: Uint8Array): void {
  for (let i = 11; i >= 4; i--) {
    iv[i] = (iv[i]! + 1) & 0xff;
    if (iv[i] !== 0) break;
  }
}
