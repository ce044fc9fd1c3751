/**
 * Random bytes come from crypto.getRandomValues only (ARCHITECTURE.md, Crypto). Small requests (the padding of
 * every packet sent, RFC 4253 §6) are cut from a pool filled 4 KiB at a time: one getRandomValues call costs tens of
 * microseconds in Node, which was paid per packet. Each pooled byte is handed out once and wiped from the pool.
 */
const POOL_BYTES = 4096;
const POOLED_MAX = 256;
let pool: Uint8Array = new Uint8Array(0);
let used = 0;

function fill(out: Uint8Array): Uint8Array {
  // getRandomValues fills at most 65536 bytes per call.
  for (let i = 0; i < out.length; i += 65536) globalThis.crypto.getRandomValues(out.subarray(i, Math.min(out.length, i + 65536)));
  return out;
}

export function randomBytes(n: number): Uint8Array {
  if (n > POOLED_MAX) return fill(new Uint8Array(n));
  if (used + n > pool.length) {
    pool = fill(new Uint8Array(POOL_BYTES));
    used = 0;
  }
  const out = pool.slice(used, used + n);
  pool.fill(0, used, used + n);
  used += n;
  return out;
}
