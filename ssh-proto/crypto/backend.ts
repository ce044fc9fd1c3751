// The crypto backend seam (ARCHITECTURE.md, Crypto: "one provider module ... so that a benchmark can compare
// implementations and the fastest correct one is the default"). The primitives whose cost shows (the packet
// ciphers and MACs, and what a handshake needs) are reached through one CryptoBackend. The default is WebCrypto + libsodium
// (web-backend.ts), which runs in the page and in Node. A Node-only program may register a faster one once
// (the `tessera` command registers node:crypto, cli/node-crypto-backend.ts); ssh-proto never imports node:crypto.
import type { HashName } from './hash.ts';

/** One AES-GCM key (NIST SP 800-38D, 16-byte tags). A backend may answer synchronously. */
export interface AesGcmKey {
  /** True when encrypt/decrypt return their results directly and keep no reference to their inputs after returning. */
  readonly synchronous: boolean;
  /** Returns ciphertext || tag. */
  encrypt(iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> | Uint8Array;
  /**
   * Optional, synchronous: `wire` = 4-byte AAD || plaintext || 16 spare bytes. Encrypts the plaintext where it lies
   * and writes the tag into the spare bytes (an SSH packet's AAD is its length, RFC 5647 §7.3).
   */
  encryptInPlace?(iv: Uint8Array, wire: Uint8Array): void;
  /**
   * `sealed` is ciphertext || tag. Undefined when the tag does not verify; no plaintext is released then. A key may
   * decrypt in place and return a view of `sealed`, so the caller gives it up (a received packet's bytes are read once).
   */
  decrypt(iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Promise<Uint8Array | undefined> | Uint8Array | undefined;
  /** Optional: wipes what the key holds (after a rekey); a key used after it throws. */
  dispose?(): void;
}

/**
 * One direction's chacha20-poly1305@openssh.com keys (OpenSSH PROTOCOL.chacha20poly1305), synchronous:
 * 64 key bytes, K_2 (first 32) for the payload and the Poly1305 key, K_1 (last 32) for the length.
 */
export interface ChaChaPolyKey {
  /** packet = uint32 length || rest (plaintext). Returns encrypted length || encrypted rest || tag. */
  seal(seq: number, packet: Uint8Array): Uint8Array;
  /** Optional: `wire` = packet || 16 spare bytes, encrypted where it lies, with the tag written into the spare bytes. */
  sealInPlace?(seq: number, wire: Uint8Array): void;
  /** The packet length from the first 4 encrypted bytes. */
  length(seq: number, head: Uint8Array): number;
  /**
   * wire = encrypted length || encrypted rest || tag. Checks the tag first; undefined when it fails (`wire` untouched).
   * Returns the rest. A key may decrypt in place, so the caller gives `wire` up (a received packet's bytes are read once).
   */
  open(seq: number, wire: Uint8Array): Uint8Array | undefined;
  /** `open` for a packet received in pieces, which need not be joined first (the pieces are given up alike). */
  openParts(seq: number, parts: readonly Uint8Array[], length: number): Uint8Array | undefined;
  /** Wipes the keys (after a rekey). */
  dispose(): void;
}

/** AES-CTR (NIST SP 800-38A) for one direction: the whole 128-bit block is the counter and runs on across packets (RFC 4344 §4). */
export interface AesCtrStream {
  /** XORs `data` (whole 16-byte blocks) with the next keystream bytes. The keystream is taken when this is called. */
  xor(data: Uint8Array): Promise<Uint8Array> | Uint8Array;
}

/**
 * aes*-ctr with an HMAC-SHA2 for one direction, worked in place: RFC 4344 §4 with the MAC of RFC 4253 §6.4 over
 * uint32 seq || plaintext packet, or with -etm (OpenSSH PROTOCOL §1.5) over uint32 seq || the packet as sent.
 * Optional in a backend: the transport otherwise composes aesCtrStream and hmacKey, with their copies.
 */
export interface AesCtrHmacKeys {
  /** `wire` = packet || room for the MAC: encrypted where it lies (-etm: all but packet_length), the MAC written last. */
  sealInPlace(seq: number, wire: Uint8Array): void;
  /** packet_length from the packet's first 16 bytes (classic: a copy of them is decrypted and kept for `open`). */
  packetLength(seq: number, head: Uint8Array): number;
  /**
   * `wire` = the whole packet || MAC, after `packetLength` for it. Checks the MAC (-etm: before decrypting) and
   * decrypts where it lies; returns padding_length || payload || padding, or undefined when the MAC fails.
   */
  open(seq: number, wire: Uint8Array): Uint8Array | undefined;
  /** Wipes the keys (after a rekey); any later use throws. */
  dispose(): void;
}

/** One HMAC key (RFC 2104). A backend may answer synchronously. */
export interface HmacKey {
  sign(data: Uint8Array): Promise<Uint8Array> | Uint8Array;
  /** Compares in constant time. */
  verify(mac: Uint8Array, data: Uint8Array): Promise<boolean> | boolean;
}

export interface CryptoBackend {
  /** Shown by benchmarks, e.g. "webcrypto+libsodium", "node:crypto". */
  readonly name: string;
  /**
   * Starts loading what the primitives will need (libsodium's WebAssembly) while the network is busy: called when a
   * connection starts (`algorithms` undefined) and again once the key exchange has chosen its algorithms.
   */
  prepare(algorithms?: { kex: string; cipherClientToServer: string; cipherServerToClient: string }): void;
  aesGcmKey(raw: Uint8Array): Promise<AesGcmKey>;
  chachaPolyKey(raw: Uint8Array): Promise<ChaChaPolyKey>;
  /** `iv` is the 16-byte initial counter block. */
  aesCtrStream(raw: Uint8Array, iv: Uint8Array): Promise<AesCtrStream>;
  hmacKey(raw: Uint8Array, hash: HashName): Promise<HmacKey>;
  /**
   * Optional: aes*-ctr and its HMAC as one in-place object (AesCtrHmacKeys); `iv` as for aesCtrStream. Undefined
   * where the backend cannot here (the transport then composes aesCtrStream and hmacKey).
   */
  aesCtrHmacKeys?(raw: Uint8Array, iv: Uint8Array, mac: { readonly hash: HashName; readonly etm: boolean }, macKey: Uint8Array): Promise<AesCtrHmacKeys | undefined>;
  /** SHA-2 (FIPS 180-4). */
  digest(hash: HashName, data: Uint8Array): Promise<Uint8Array>;
  /** X25519 (RFC 7748 §5) of a 32-byte private key and the base point. */
  x25519Public(privateKey: Uint8Array): Promise<Uint8Array>;
  /** The raw X25519 shared secret; may throw for a low-order point (x25519.ts turns that into a typed error). */
  x25519(privateKey: Uint8Array, peerPublic: Uint8Array): Promise<Uint8Array>;
  /** Ed25519 (RFC 8032): the public key of a 32-byte seed. */
  ed25519PublicFromSeed(seed: Uint8Array): Promise<Uint8Array>;
  /** `secretKey` is seed || public key (64 bytes, OpenSSH's and libsodium's form). */
  ed25519Sign(secretKey: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
  ed25519Verify(publicKey: Uint8Array, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
}
