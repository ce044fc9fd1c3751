// chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305), aes128/256-gcm@openssh.com (RFC 5647) and
// aes*-ctr with hmac-sha2-* (RFC 4344, RFC 6668, and OpenSSH's -etm forms) in place on OpenSSL, for the `tessera`
// command's backend (cli/node-crypto-backend.ts). OpenSSL is reached through the native binding the ssh2 npm
// package builds at install (its lib/protocol/crypto/src/binding.cc): EVP ChaCha20 with EVP_MAC Poly1305, EVP AES-GCM
// advancing its IV with EVP_CTRL_GCM_IV_GEN, and EVP AES-CTR with EVP_MAC HMAC. It keeps one OpenSSL context per key
// and works on the caller's memory: no cipher object and no new buffer per packet, and OpenSSL's AVX-512 code paths.
// Per 32 KiB packet that is about half the CPU of native libsodium or node:crypto (bench/ssh-ciphers.ts).
// The binding is optional: ssh2 builds it only where g++ and make exist, and the backend falls back without it.
import { createRequire } from 'node:module';
import { advanceGcmCounter, type AesCtrHmacKeys, type AesGcmKey, type ChaChaPolyKey } from '../ssh-proto/index.ts';

const TAG = 16;

interface Ssh2Binding {
  ChaChaPolyCipher: new (keys: Uint8Array) => { encrypt(packet: Uint8Array, seq: number): void; free(): void };
  ChaChaPolyDecipher: new (keys: Uint8Array) => {
    /** Decrypts the 4 length bytes, and keeps them (still encrypted) for the next decrypt()'s tag. */
    decryptLen(head: Uint8Array, seq: number): number;
    /** Checks the tag over the kept length bytes and `body`, then decrypts `body` in place; throws "Invalid MAC". */
    decrypt(body: Uint8Array, tag: Uint8Array, seq: number): void;
    free(): void;
  };
  /** `iv` is the initial 12-byte IV; each call then uses the current IV and advances its invocation counter. */
  AESGCMCipher: new (name: string, key: Uint8Array, iv: Uint8Array) => {
    /** packet = uint32 length (the AAD) || plaintext || 16 bytes for the tag; encrypts in place and writes the tag. */
    encrypt(packet: Uint8Array): void;
    free(): void;
  };
  AESGCMDecipher: new (name: string, key: Uint8Array, iv: Uint8Array) => {
    /** Decrypts `body` in place, then checks `tag`; throws when it fails (the body then holds unchecked plaintext). */
    decrypt(body: Uint8Array, length: number, tag: Uint8Array): void;
    free(): void;
  };
  /** `cipher` and `mac` are OpenSSL names ("aes-128-ctr", "sha256"). */
  GenericCipher: new (cipher: string, key: Uint8Array, iv: Uint8Array, mac: string, macKey: Uint8Array, etm: boolean) => {
    /** packet = the whole packet || room for the MAC: encrypts in place (-etm: all but the length), writes the MAC. */
    encrypt(packet: Uint8Array, seq: number): void;
    free(): void;
  };
  GenericDecipher: new (cipher: string, key: Uint8Array, iv: Uint8Array, mac: string, macKey: Uint8Array, etm: boolean, macLength: number) => {
    /** Decrypts `block` in place (CTR is a stream cipher to the binding: any length, here the 4 length bytes). */
    decryptBlock(block: Uint8Array): void;
    /**
     * `packet` = the packet from padding_length on, as received; `first` = packet_length, decrypted (classic) or as
     * received (-etm). Checks the MAC (-etm: before decrypting; throws "Invalid MAC") and decrypts `packet` in place.
     */
    decrypt(packet: Uint8Array, seq: number, first: Uint8Array, mac: Uint8Array): void;
    free(): void;
  };
}

const requireNative = createRequire(import.meta.url);
let binding: Ssh2Binding | null | undefined;

/** The binding, loaded once; undefined where ssh2 could not build it. */
export function loadOpenSslBinding(): Ssh2Binding | undefined {
  if (binding === undefined) {
    try {
      binding = requireNative('ssh2/lib/protocol/crypto/build/Release/sshcrypto.node') as Ssh2Binding;
    } catch {
      binding = null;
    }
  }
  return binding ?? undefined;
}

/** Uninitialised memory as a plain Uint8Array. */
const allocate = (n: number): Uint8Array => { const b = Buffer.allocUnsafe(n); return new Uint8Array(b.buffer, b.byteOffset, n); };

export class OpenSslChaChaPoly implements ChaChaPolyKey {
  private contexts: {
    sealer: InstanceType<Ssh2Binding['ChaChaPolyCipher']>;
    opener: InstanceType<Ssh2Binding['ChaChaPolyDecipher']>;
  } | undefined;

  /** `key` is 64 bytes: K_2 (first 32) for the payload and the Poly1305 key, K_1 (last 32) for the length. */
  constructor(native: Ssh2Binding, key: Uint8Array) {
    if (key.length !== 64) throw new RangeError(`chacha20-poly1305@openssh.com needs 64 key bytes, got ${key.length}`);
    this.contexts = { sealer: new native.ChaChaPolyCipher(key), opener: new native.ChaChaPolyDecipher(key) };
  }

  /** The binding's freed contexts would crash the process: a key used after dispose() throws instead. */
  private get live(): NonNullable<OpenSslChaChaPoly['contexts']> {
    if (!this.contexts) throw new Error('a chacha20-poly1305@openssh.com key was used after it was disposed');
    return this.contexts;
  }

  seal(seq: number, packet: Uint8Array): Uint8Array {
    const out = allocate(packet.length + TAG);
    out.set(packet);
    this.sealInPlace(seq, out);
    return out;
  }

  sealInPlace(seq: number, wire: Uint8Array): void {
    if (wire.length < 4 + TAG) throw new RangeError(`a ${wire.length}-byte buffer has no room for a packet and its tag`);
    this.live.sealer.encrypt(wire, seq >>> 0);
  }

  length(seq: number, head: Uint8Array): number {
    return this.live.opener.decryptLen(head.subarray(0, 4), seq >>> 0);
  }

  /** Checks the tag over the encrypted length and payload, then decrypts the payload in place. */
  open(seq: number, wire: Uint8Array): Uint8Array | undefined {
    const n = wire.length - TAG;
    if (n < 4) throw new RangeError(`a ${wire.length}-byte packet is shorter than its length and tag`);
    const body = wire.subarray(4, n);
    const { opener } = this.live;
    // The binding authenticates the length bytes it decrypted last: give it this packet's.
    opener.decryptLen(wire.subarray(0, 4), seq >>> 0);
    try {
      opener.decrypt(body, wire.subarray(n), seq >>> 0);
    } catch (e) {
      if (e instanceof Error && e.message === 'Invalid MAC') return undefined;
      throw e;
    }
    return body;
  }

  /** Joined into one new buffer (the pieces stay as they were), then opened there. */
  openParts(seq: number, parts: readonly Uint8Array[], length: number): Uint8Array | undefined {
    return this.open(seq, join(parts, length));
  }

  /** Frees the OpenSSL contexts, which wipes the keys they hold. */
  dispose(): void {
    this.contexts?.sealer.free();
    this.contexts?.opener.free();
    this.contexts = undefined;
  }
}

function join(parts: readonly Uint8Array[], length: number): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  if (total !== length) throw new RangeError(`packet pieces hold ${total} bytes, not ${length}`);
  const wire = allocate(length);
  let at = 0;
  for (const p of parts) { wire.set(p, at); at += p.length; }
  return wire;
}

const sameIv = (a: Uint8Array, b: Uint8Array): boolean => {
  for (let i = 11; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
};

/**
 * AES-GCM for SSH packets: the AAD is the 4-byte packet length (RFC 5647 §7.3). The binding keeps the IV itself and
 * advances it per packet as §7.1 does; the IV a caller passes is checked against it, and a context is (re)made for
 * any other IV. Any other AAD goes to `fallback` (node:crypto).
 */
export class OpenSslAesGcm implements AesGcmKey {
  readonly synchronous = true;
  private readonly name: string;
  private readonly key: Uint8Array;
  private sealer: { ctx: InstanceType<Ssh2Binding['AESGCMCipher']>; next: Uint8Array } | undefined;
  private opener: { ctx: InstanceType<Ssh2Binding['AESGCMDecipher']>; next: Uint8Array } | undefined;
  private disposed = false;

  constructor(private readonly native: Ssh2Binding, raw: Uint8Array, private readonly fallback: AesGcmKey) {
    if (raw.length !== 16 && raw.length !== 32) throw new RangeError(`AES-GCM needs a key of 16 or 32 bytes, got ${raw.length}`);
    this.name = raw.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
    this.key = new Uint8Array(raw); // a copy (a Buffer's slice() would be a view)
  }

  encrypt(iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array | Promise<Uint8Array> {
    this.checkLive();
    if (aad.length !== 4 || iv.length !== 12) return this.fallback.encrypt(iv, aad, plaintext);
    const packet = allocate(4 + plaintext.length + TAG);
    packet.set(aad, 0);
    packet.set(plaintext, 4);
    this.encryptInPlace(iv, packet);
    return packet.subarray(4);
  }

  /** `wire` = the 4-byte AAD (the packet length) || plaintext || 16 spare bytes: encrypted in place, the tag last. */
  encryptInPlace(iv: Uint8Array, wire: Uint8Array): void {
    this.checkLive();
    if (iv.length !== 12 || wire.length < 4 + TAG) throw new RangeError(`AES-GCM in place needs a 12-byte IV and room for the AAD and tag (got ${iv.length} and ${wire.length} bytes)`);
    if (!this.sealer || !sameIv(iv, this.sealer.next)) {
      this.sealer?.ctx.free();
      this.sealer = undefined; // never left pointing at a freed context, should the next one fail to build
      this.sealer = { ctx: new this.native.AESGCMCipher(this.name, this.key, iv), next: new Uint8Array(iv) };
    }
    this.sealer.ctx.encrypt(wire);
    advanceGcmCounter(this.sealer.next);
  }

  /** Decrypts `sealed` in place; on a tag failure it holds unchecked plaintext, which is never returned. */
  decrypt(iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined | Promise<Uint8Array | undefined> {
    this.checkLive();
    if (aad.length !== 4 || iv.length !== 12) return this.fallback.decrypt(iv, aad, sealed);
    if (sealed.length < TAG) return undefined;
    if (!this.opener || !sameIv(iv, this.opener.next)) {
      this.opener?.ctx.free();
      this.opener = undefined;
      this.opener = { ctx: new this.native.AESGCMDecipher(this.name, this.key, iv), next: new Uint8Array(iv) };
    }
    const n = sealed.length - TAG;
    const body = sealed.subarray(0, n);
    advanceGcmCounter(this.opener.next);
    try {
      this.opener.ctx.decrypt(body, readLength(aad), sealed.subarray(n));
    } catch {
      return undefined;
    }
    return body;
  }

  /** Frees the OpenSSL contexts (which wipes their key schedules) and zeroes this key's copy of the key. */
  dispose(): void {
    this.sealer?.ctx.free();
    this.opener?.ctx.free();
    this.sealer = undefined;
    this.opener = undefined;
    this.key.fill(0);
    this.disposed = true;
  }

  private checkLive(): void {
    if (this.disposed) throw new Error('an AES-GCM key was used after it was disposed');
  }
}

const BLOCK = 16;

/** The HMAC of an AES-CTR direction: OpenSSL's digest name ("sha256"), the MAC's length, and whether it is -etm. */
export interface CtrMac { readonly digest: string; readonly bytes: number; readonly etm: boolean }

/**
 * aes*-ctr with hmac-sha2-* for one direction on the binding's GenericCipher / GenericDecipher: one OpenSSL cipher
 * context and HMAC per direction, each made on first use (an instance seals or opens, not both). The CTR counter runs
 * on across packets inside the context (RFC 4344 §4), so packets are sealed and opened in sequence order.
 */
export class OpenSslAesCtrHmac implements AesCtrHmacKeys {
  private sealer: InstanceType<Ssh2Binding['GenericCipher']> | undefined;
  private opener: InstanceType<Ssh2Binding['GenericDecipher']> | undefined;
  /** Classic mode: the decrypted packet_length of the packet being read (CTR is a stream: 4 bytes of keystream). */
  private readonly head = new Uint8Array(4);
  private readonly cipher: string;
  private readonly key: Uint8Array;
  private readonly iv: Uint8Array;
  private readonly macKey: Uint8Array;
  private disposed = false;

  constructor(private readonly native: Ssh2Binding, raw: Uint8Array, iv: Uint8Array, private readonly mac: CtrMac, macKey: Uint8Array) {
    if (![16, 24, 32].includes(raw.length)) throw new RangeError(`AES-CTR needs a key of 16, 24 or 32 bytes, got ${raw.length}`);
    this.cipher = `aes-${raw.length * 8}-ctr`;
    // Copies: the binding makes its contexts later, on first use.
    this.key = new Uint8Array(raw);
    this.iv = new Uint8Array(iv.subarray(0, BLOCK));
    this.macKey = new Uint8Array(macKey);
  }

  sealInPlace(seq: number, wire: Uint8Array): void {
    this.checkLive();
    if (wire.length < BLOCK + this.mac.bytes) throw new RangeError(`a ${wire.length}-byte buffer has no room for a packet and its MAC`);
    this.sealer ??= new this.native.GenericCipher(this.cipher, this.key, this.iv, this.mac.digest, this.macKey, this.mac.etm);
    this.sealer.encrypt(wire, seq >>> 0);
  }

  packetLength(_seq: number, head: Uint8Array): number {
    this.checkLive();
    if (this.mac.etm) return readLength(head);
    this.head.set(head.subarray(0, 4));
    this.openerContext().decryptBlock(this.head);
    return readLength(this.head);
  }

  open(seq: number, wire: Uint8Array): Uint8Array | undefined {
    this.checkLive();
    const end = wire.length - this.mac.bytes;
    if (end < BLOCK) throw new RangeError(`a ${wire.length}-byte packet is shorter than a block and its MAC`);
    const packet = wire.subarray(4, end);
    // The length as the MAC covers it: in clear (-etm), or decrypted by packetLength (classic).
    const first = this.mac.etm ? wire.subarray(0, 4) : this.head;
    try {
      this.openerContext().decrypt(packet, seq >>> 0, first, wire.subarray(end));
    } catch (e) {
      if (e instanceof Error && e.message === 'Invalid MAC') return undefined;
      throw e;
    }
    return packet;
  }

  /** Frees the OpenSSL contexts (which wipes their keys) and zeroes this object's copies. */
  dispose(): void {
    this.sealer?.free();
    this.opener?.free();
    this.sealer = undefined;
    this.opener = undefined;
    for (const b of [this.key, this.iv, this.macKey, this.head]) b.fill(0);
    this.disposed = true;
  }

  private openerContext(): InstanceType<Ssh2Binding['GenericDecipher']> {
    this.opener ??= new this.native.GenericDecipher(this.cipher, this.key, this.iv, this.mac.digest, this.macKey, this.mac.etm, this.mac.bytes);
    return this.opener;
  }

  private checkLive(): void {
    if (this.disposed) throw new Error('an AES-CTR key was used after it was disposed');
  }
}

const readLength = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset, 4).getUint32(0);
