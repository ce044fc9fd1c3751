// aes128/192/256-ctr (RFC 4344 §4) with hmac-sha2-256/512 (RFC 6668), classic and -etm@openssh.com
// (OpenSSH PROTOCOL §1.5: packet_length in clear, MAC over the ciphertext, checked before anything is released).
// Classic MAC = HMAC(key, uint32 seq || unencrypted packet) (RFC 4253 §6.4). The keystream and the HMAC key come
// from the crypto backend, which may answer synchronously (node:crypto) or not (WebCrypto); a backend may also offer
// both as one object that works in place (AesCtrHmacKeys, the `tessera` command's on OpenSSL).
import { cryptoBackend, type AesCtrHmacKeys, type AesCtrStream, type CryptoBackend, type HashName, type HmacKey } from '../crypto/index.ts';
import { SshTransportError } from './errors.ts';
import { readUint32, writeUint32, type PacketOpener, type PacketSealer } from './packet-cipher.ts';

export interface MacSpec { hash: HashName; length: number; keyLength: number; etm: boolean }

export const MAC_SPECS: Readonly<Record<string, MacSpec>> = {
  'hmac-sha2-256': { hash: 'SHA-256', length: 32, keyLength: 32, etm: false },
  'hmac-sha2-512': { hash: 'SHA-512', length: 64, keyLength: 64, etm: false },
  'hmac-sha2-256-etm@openssh.com': { hash: 'SHA-256', length: 32, keyLength: 32, etm: true },
  'hmac-sha2-512-etm@openssh.com': { hash: 'SHA-512', length: 64, keyLength: 64, etm: true },
};

function macInput(seq: number, data: Uint8Array): Uint8Array {
  const m = new Uint8Array(4 + data.length);
  writeUint32(m, 0, seq);
  m.set(data, 4);
  return m;
}

const macError = () => new SshTransportError('MAC_MISMATCH', 'a packet failed its HMAC check: the data was altered or the keys disagree');

/** `f(value)` now when `value` is already there, else when it resolves. */
function then<T, U>(value: Promise<T> | T, f: (v: T) => Promise<U> | U): Promise<U> | U {
  return value instanceof Promise ? value.then(f) : f(value);
}

function checked(ok: boolean): void {
  if (!ok) throw macError();
}

/** The cipher for `macName`: on the backend's in-place keys where it has them, else composed (AesCtrHmacCipher). */
export async function createAesCtrHmacCipher(key: Uint8Array, iv: Uint8Array, macName: string, macKey: Uint8Array, backend: CryptoBackend = cryptoBackend()): Promise<PacketSealer & PacketOpener> {
  const mac = MAC_SPECS[macName];
  if (!mac) throw new SshTransportError('KEX_NO_COMMON_ALGORITHM', `unsupported MAC ${macName}`);
  const ivBlock = iv.subarray(0, 16);
  const macBytes = macKey.subarray(0, mac.keyLength);
  const keys = await backend.aesCtrHmacKeys?.(key, ivBlock, mac, macBytes);
  if (keys) return new InPlaceAesCtrHmacCipher(keys, mac);
  const [stream, hmac] = await Promise.all([backend.aesCtrStream(key, ivBlock), backend.hmacKey(macBytes, mac.hash)]);
  return new AesCtrHmacCipher(stream, hmac, mac);
}

/** How the decoder frames aes*-ctr packets with `mac`: -etm keeps packet_length in clear (OpenSSH PROTOCOL §1.5). */
abstract class CtrHmacFraming {
  readonly blockSize = 16;
  readonly lengthExcludedFromAlignment: boolean;
  readonly tagLength: number;
  readonly lengthBytes: number;
  /** Classic mode must decrypt the first block to learn the length, so packets are framed one at a time. */
  readonly parallel: boolean;

  protected constructor(protected readonly mac: MacSpec) {
    this.lengthExcludedFromAlignment = mac.etm;
    this.tagLength = mac.length;
    this.lengthBytes = mac.etm ? 4 : 16;
    this.parallel = mac.etm;
  }
}

/** AES-CTR + HMAC on a backend's AesCtrHmacKeys: packets are sealed and opened where they lie. */
class InPlaceAesCtrHmacCipher extends CtrHmacFraming implements PacketSealer, PacketOpener {
  readonly sealInPlace: (seq: number, wire: Uint8Array) => void;

  constructor(private readonly keys: AesCtrHmacKeys, mac: MacSpec) {
    super(mac);
    this.sealInPlace = (seq, wire) => keys.sealInPlace(seq, wire);
  }

  seal(seq: number, packet: Uint8Array): Uint8Array {
    const wire = new Uint8Array(packet.length + this.tagLength);
    wire.set(packet);
    this.keys.sealInPlace(seq, wire);
    return wire;
  }

  packetLength(seq: number, head: Uint8Array): number {
    return this.keys.packetLength(seq, head);
  }

  open(seq: number, wire: Uint8Array): Uint8Array {
    const plain = this.keys.open(seq, wire);
    if (!plain) throw macError();
    return plain;
  }

  dispose(): void {
    this.keys.dispose();
  }
}

/** AES-CTR + HMAC composed from the backend's aesCtrStream and hmacKey. */
class AesCtrHmacCipher extends CtrHmacFraming implements PacketSealer, PacketOpener {
  /** The first decrypted block of the packet being read (classic mode). */
  private head: Uint8Array | undefined;

  constructor(private readonly stream: AesCtrStream, private readonly macKey: HmacKey, mac: MacSpec) {
    super(mac);
  }

  seal(seq: number, packet: Uint8Array): Promise<Uint8Array> | Uint8Array {
    const n = packet.length;
    const out = new Uint8Array(n + this.mac.length);
    if (this.mac.etm) {
      out.set(packet.subarray(0, 4), 0);
      return then(this.stream.xor(packet.subarray(4)), (body) => {
        out.set(body, 4);
        return then(this.macKey.sign(macInput(seq, out.subarray(0, n))), (tag) => { out.set(tag, n); return out; });
      });
    }
    const tag = this.macKey.sign(macInput(seq, packet));
    return then(this.stream.xor(packet), (body) => {
      out.set(body, 0);
      return then(tag, (t) => { out.set(t, n); return out; });
    });
  }

  packetLength(_seq: number, head: Uint8Array): Promise<number> | number {
    if (this.mac.etm) return readUint32(head, 0);
    return then(this.stream.xor(head.subarray(0, 16)), (block) => {
      this.head = block;
      return readUint32(block, 0);
    });
  }

  open(seq: number, wire: Uint8Array): Promise<Uint8Array> | Uint8Array {
    const end = wire.length - this.mac.length;
    const tag = wire.subarray(end);
    if (this.mac.etm) {
      // The keystream is taken now (packets may be opened concurrently); the plaintext is released only after the MAC.
      const plain = this.stream.xor(wire.subarray(4, end));
      if (plain instanceof Promise) plain.catch(() => undefined); // dropped unread when the MAC fails
      return then(this.macKey.verify(tag, macInput(seq, wire.subarray(0, end))), (ok) => { checked(ok); return plain; });
    }
    const head = this.head;
    this.head = undefined;
    if (!head) throw new SshTransportError('PACKET_BAD_LENGTH', 'internal: packet opened before its length was read');
    const packet = new Uint8Array(end);
    packet.set(head, 0);
    const rest = end > 16 ? this.stream.xor(wire.subarray(16, end)) : new Uint8Array(0);
    return then(rest, (r) => {
      packet.set(r, 16);
      return then(this.macKey.verify(tag, macInput(seq, packet)), (ok) => { checked(ok); return packet.subarray(4); });
    });
  }
}
