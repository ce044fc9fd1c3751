// The one interface every packet cipher implements (one type per algorithm, like Go's packetCipher).
// A packet here is the RFC 4253 §6 plaintext: uint32 packet_length || byte padding_length || payload || padding.

export interface PacketSealer {
  /** Padding aligns to this (RFC 4253 §6: at least 8). */
  readonly blockSize: number;
  /** True when packet_length travels unencrypted or is authenticated apart (AEAD, -etm): padding then aligns packet_length itself. */
  readonly lengthExcludedFromAlignment: boolean;
  /** MAC or tag bytes after the packet. */
  readonly tagLength: number;
  /** Encrypts and authenticates one packet; returns the bytes to send. */
  seal(seq: number, packet: Uint8Array): Promise<Uint8Array> | Uint8Array;
  /**
   * Optional, where the keys can: `seal` without its copies. `wire` is the packet followed by `tagLength` spare bytes;
   * the packet is encrypted where it lies and the tag written into the spare bytes. Then `wire` is the bytes to send.
   */
  readonly sealInPlace?: (seq: number, wire: Uint8Array) => void;
  /** Optional: wipes the keys it holds; called once the next keys have replaced it (RFC 4253 §9: rekeying). */
  dispose?(): void;
}

export interface PacketOpener {
  readonly blockSize: number;
  readonly lengthExcludedFromAlignment: boolean;
  /** MAC or tag bytes after the packet. */
  readonly tagLength: number;
  /** How many leading bytes `packetLength` needs. */
  readonly lengthBytes: number;
  /**
   * True when `packetLength` is synchronous and `open` takes its per-packet state (IV, counter, sequence number)
   * synchronously, so several buffered packets may be opened at once (AES-GCM, -etm, ChaCha20-Poly1305).
   */
  readonly parallel: boolean;
  /** packet_length from the first `lengthBytes` bytes of the packet. */
  packetLength(seq: number, head: Uint8Array): Promise<number> | number;
  /**
   * Authenticates and decrypts one whole packet (4 + packet_length + tagLength bytes, called after `packetLength`
   * for the same packet). Returns padding_length || payload || padding. Throws MAC_MISMATCH; never releases
   * unauthenticated plaintext.
   */
  open(seq: number, wire: Uint8Array): Promise<Uint8Array> | Uint8Array;
  /** Optional: `open` for a packet whose bytes arrived in several pieces, which then need not be joined first. */
  openParts?(seq: number, parts: readonly Uint8Array[], length: number): Promise<Uint8Array> | Uint8Array;
  /** Optional: wipes the keys it holds; called once the next keys have replaced it. */
  dispose?(): void;
}

/** The initial "none" cipher (RFC 4253 §6.3) before the first NEWKEYS. */
export class NoneCipher implements PacketSealer, PacketOpener {
  readonly blockSize = 8;
  readonly lengthExcludedFromAlignment = false;
  readonly tagLength = 0;
  readonly lengthBytes = 4;
  readonly parallel = true;
  seal(_seq: number, packet: Uint8Array): Uint8Array {
    return packet;
  }
  packetLength(_seq: number, head: Uint8Array): number {
    return readUint32(head, 0);
  }
  open(_seq: number, wire: Uint8Array): Uint8Array {
    return wire.subarray(4);
  }
}

export function readUint32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

export function writeUint32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}
