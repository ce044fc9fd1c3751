// chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305) on native libsodium, the `sodium-native` addon,
// for the `tessera` command's node:crypto backend (cli/node-crypto-backend.ts). ChaCha20 and Poly1305 both run in C
// on the caller's memory: no cipher object, no WebAssembly heap copy and no new buffer per packet. Node's OpenSSL
// has no raw Poly1305, and the ssh2 client does this construction in its own C++ addon for the same reason.
// The page keeps libsodium's WebAssembly build (ssh-proto's default backend); this is Node-only.
import type { ChaChaPolyKey } from '../ssh-proto/index.ts';
import type sodiumNative from 'sodium-native';

type SodiumNative = typeof sodiumNative;

const TAG = 16;

/** Uninitialised memory as a plain Uint8Array: a Buffer's slice() would be a view, not the copy callers expect. */
const allocate = (n: number): Uint8Array => { const b = Buffer.allocUnsafe(n); return new Uint8Array(b.buffer, b.byteOffset, n); };

let loading: Promise<SodiumNative | undefined> | undefined;

/** The addon, loaded once; undefined where it cannot load (no prebuilt binary for this platform). */
export function loadSodiumNative(): Promise<SodiumNative | undefined> {
  loading ??= import('sodium-native').then((m) => m.default, () => undefined);
  return loading;
}

export class NativeChaChaPoly implements ChaChaPolyKey {
  /** The 64-bit nonce: the sequence number, big-endian; its high 32 bits stay zero. */
  private readonly nonce = Buffer.alloc(8);
  /** Block 0 of the K_2 stream for the current packet: its first 32 bytes are the Poly1305 key. */
  private readonly block0 = Buffer.alloc(64);
  private readonly polyKey = this.block0.subarray(0, 32);
  private readonly lengthBytes = Buffer.alloc(4);
  private readonly tag = Buffer.alloc(TAG);
  private readonly expected = Buffer.alloc(TAG);
  private readonly state: Buffer;

  /** `key` is 64 bytes: K_2 (first 32) for the payload and the Poly1305 key, K_1 (last 32) for the length. */
  constructor(private readonly na: SodiumNative, key: Uint8Array, private readonly k2 = Buffer.from(key.subarray(0, 32)),
    private readonly k1 = Buffer.from(key.subarray(32))) {
    if (key.length !== 64) throw new RangeError(`chacha20-poly1305@openssh.com needs 64 key bytes, got ${key.length}`);
    this.state = Buffer.alloc(na.crypto_onetimeauth_STATEBYTES);
  }

  private disposed = false;

  /** Every operation starts here: after dispose() the keys are zeros, so a use would be a silent wrong answer. */
  private setNonce(seq: number): void {
    if (this.disposed) throw new Error('a chacha20-poly1305@openssh.com key was used after it was disposed');
    this.nonce.writeUInt32BE(seq >>> 0, 4);
  }

  /** Sets the nonce to `seq` and takes this packet's Poly1305 key from block 0 of the K_2 stream. */
  private start(seq: number): void {
    this.setNonce(seq);
    this.block0.fill(0);
    this.na.crypto_stream_chacha20_xor_ic(this.block0, this.block0, this.nonce, 0, this.k2);
  }

  seal(seq: number, packet: Uint8Array): Uint8Array {
    const n = packet.length;
    const out = allocate(n + TAG);
    this.start(seq);
    this.na.crypto_stream_chacha20_xor_ic(out.subarray(0, 4), packet.subarray(0, 4), this.nonce, 0, this.k1);
    this.na.crypto_stream_chacha20_xor_ic(out.subarray(4, n), packet.subarray(4), this.nonce, 1, this.k2);
    this.na.crypto_onetimeauth(out.subarray(n), out.subarray(0, n), this.polyKey);
    return out;
  }

  length(seq: number, head: Uint8Array): number {
    this.setNonce(seq);
    this.na.crypto_stream_chacha20_xor_ic(this.lengthBytes, head.subarray(0, 4), this.nonce, 0, this.k1);
    return this.lengthBytes.readUInt32BE(0);
  }

  /** Checks the tag, then decrypts the payload in place: `wire` is the key's once passed. */
  open(seq: number, wire: Uint8Array): Uint8Array | undefined {
    const n = wire.length - TAG;
    if (n < 4) throw new RangeError(`a ${wire.length}-byte packet is shorter than its length and tag`);
    this.start(seq);
    if (!this.na.crypto_onetimeauth_verify(wire.subarray(n), wire.subarray(0, n), this.polyKey)) return undefined;
    const body = wire.subarray(4, n);
    this.na.crypto_stream_chacha20_xor_ic(body, body, this.nonce, 1, this.k2);
    return body;
  }

  /** The tag over the pieces as they lie; the payload is joined into one new buffer only after the tag checked. */
  openParts(seq: number, parts: readonly Uint8Array[], length: number): Uint8Array | undefined {
    if (parts.length === 1 && parts[0]!.length === length) return this.open(seq, parts[0]!);
    const n = length - TAG;
    if (n < 4) throw new RangeError(`a ${length}-byte packet is shorter than its length and tag`);
    this.start(seq);
    this.na.crypto_onetimeauth_init(this.state, this.polyKey);
    let at = 0;
    for (const p of parts) {
      const end = at + p.length;
      if (at < n) this.na.crypto_onetimeauth_update(this.state, p.subarray(0, Math.min(p.length, n - at)));
      if (end > n) this.tag.set(p.subarray(Math.max(0, n - at)), Math.max(0, at - n));
      at = end;
    }
    if (at !== length) throw new RangeError(`packet pieces hold ${at} bytes, not ${length}`);
    this.na.crypto_onetimeauth_final(this.state, this.expected);
    if (!this.na.sodium_memcmp(this.expected, this.tag)) return undefined;
    const body = allocate(n - 4);
    at = 0;
    for (const p of parts) {
      const from = Math.max(0, 4 - at);
      const to = Math.min(p.length, n - at);
      if (to > from) body.set(p.subarray(from, to), at + from - 4);
      at += p.length;
    }
    this.na.crypto_stream_chacha20_xor_ic(body, body, this.nonce, 1, this.k2);
    return body;
  }

  dispose(): void {
    for (const secret of [this.k1, this.k2, this.block0, this.state]) this.na.sodium_memzero(secret);
    this.disposed = true;
  }
}
