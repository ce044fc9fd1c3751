// chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305).
// 64 key bytes: K_2 = first 32 (payload), K_1 = last 32 (length). Nonce = sequence number as uint64 BE.
// Poly1305 key = the first 32 bytes of K_2's keystream at block 0; the payload uses block 1 onward.
// The tag covers the encrypted length and the encrypted payload and is checked before anything is decrypted.
import { chachaPoly, type ChaChaPoly } from '../crypto/index.ts';
import { SshTransportError } from './errors.ts';
import { readUint32, type PacketOpener, type PacketSealer } from './packet-cipher.ts';

const ZERO32 = new Uint8Array(32);

export class ChaCha20Poly1305Cipher implements PacketSealer, PacketOpener {
  readonly blockSize = 8;
  readonly lengthExcludedFromAlignment = true;
  readonly tagLength = 16;
  readonly lengthBytes = 4;
  private readonly k1: Uint8Array;
  private readonly k2: Uint8Array;
  private readonly nonce = new Uint8Array(8);

  private constructor(private readonly cp: ChaChaPoly, key: Uint8Array) {
    if (key.length !== 64) throw new RangeError(`chacha20-poly1305@openssh.com needs 64 key bytes, got ${key.length}`);
    this.k2 = key.slice(0, 32);
    this.k1 = key.slice(32, 64);
  }

  static async create(key: Uint8Array): Promise<ChaCha20Poly1305Cipher> {
    return new ChaCha20Poly1305Cipher(await chachaPoly(), key);
  }

  private setNonce(seq: number): Uint8Array {
    const n = this.nonce;
    n[4] = seq >>> 24; n[5] = (seq >>> 16) & 0xff; n[6] = (seq >>> 8) & 0xff; n[7] = seq & 0xff;
    return n;
  }

  seal(seq: number, packet: Uint8Array): Uint8Array {
    const nonce = this.setNonce(seq);
    const out = new Uint8Array(packet.length + 16);
    out.set(this.cp.xor(packet.subarray(0, 4), nonce, 0, this.k1), 0);
    out.set(this.cp.xor(packet.subarray(4), nonce, 1, this.k2), 4);
    const polyKey = this.cp.xor(ZERO32, nonce, 0, this.k2);
    out.set(this.cp.poly1305(out.subarray(0, packet.length), polyKey), packet.length);
    return out;
  }

  packetLength(seq: number, head: Uint8Array): number {
    return readUint32(this.cp.xor(head.subarray(0, 4), this.setNonce(seq), 0, this.k1), 0);
  }

  open(seq: number, wire: Uint8Array): Uint8Array {
    const nonce = this.setNonce(seq);
    const end = wire.length - 16;
    const polyKey = this.cp.xor(ZERO32, nonce, 0, this.k2);
    if (!this.cp.poly1305Verify(wire.subarray(end), wire.subarray(0, end), polyKey)) {
      throw new SshTransportError('MAC_MISMATCH', 'a packet failed its Poly1305 check: the data was altered or the keys disagree');
    }
    return this.cp.xor(wire.subarray(4, end), nonce, 1, this.k2);
  }
}
