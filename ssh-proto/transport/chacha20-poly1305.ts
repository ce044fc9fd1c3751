// chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305) as a packet cipher.
// 64 key bytes: K_2 = first 32 (payload), K_1 = last 32 (length). Nonce = sequence number as uint64 BE.
// Poly1305 key = the first 32 bytes of K_2's keystream at block 0; the payload uses block 1 onward.
// The tag covers the encrypted length and the encrypted payload and is checked before anything is decrypted.
// The keyed construction comes from the crypto backend (libsodium by default, node:crypto in the CLI).
import { cryptoBackend, type ChaChaPolyKey, type CryptoBackend } from '../crypto/index.ts';
import { SshTransportError } from './errors.ts';
import type { PacketOpener, PacketSealer } from './packet-cipher.ts';

export class ChaCha20Poly1305Cipher implements PacketSealer, PacketOpener {
  readonly blockSize = 8;
  readonly lengthExcludedFromAlignment = true;
  readonly tagLength = 16;
  readonly lengthBytes = 4;
  readonly parallel = true;

  readonly sealInPlace?: (seq: number, wire: Uint8Array) => void;

  private constructor(private readonly impl: ChaChaPolyKey) {
    const inPlace = impl.sealInPlace?.bind(impl);
    if (inPlace) this.sealInPlace = inPlace;
  }

  static async create(key: Uint8Array, backend: CryptoBackend = cryptoBackend()): Promise<ChaCha20Poly1305Cipher> {
    if (key.length !== 64) throw new RangeError(`chacha20-poly1305@openssh.com needs 64 key bytes, got ${key.length}`);
    return new ChaCha20Poly1305Cipher(await backend.chachaPolyKey(key));
  }

  seal(seq: number, packet: Uint8Array): Uint8Array {
    return this.impl.seal(seq, packet);
  }

  packetLength(seq: number, head: Uint8Array): number {
    return this.impl.length(seq, head);
  }

  open(seq: number, wire: Uint8Array): Uint8Array {
    return this.check(this.impl.open(seq, wire));
  }

  openParts(seq: number, parts: readonly Uint8Array[], length: number): Uint8Array {
    return this.check(this.impl.openParts(seq, parts, length));
  }

  /** Wipes the keys (the backend's key frees them too). */
  dispose(): void {
    this.impl.dispose();
  }

  private check(plain: Uint8Array | undefined): Uint8Array {
    if (!plain) throw new SshTransportError('MAC_MISMATCH', 'a packet failed its Poly1305 check: the data was altered or the keys disagree');
    return plain;
  }
}
