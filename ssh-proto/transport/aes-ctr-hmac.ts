// aes128/192/256-ctr (RFC 4344 §4) with hmac-sha2-256/512 (RFC 6668), classic and -etm@openssh.com
// (OpenSSH PROTOCOL §1.5: packet_length in clear, MAC over the ciphertext, checked before decryption).
// Classic MAC = HMAC(key, uint32 seq || unencrypted packet) (RFC 4253 §6.4).
import { aesCtr, hmacSign, hmacVerify, importAesCtrKey, importHmacKey, type HashName } from '../crypto/index.ts';
import { SshTransportError } from './errors.ts';
import { readUint32, writeUint32, type PacketOpener, type PacketSealer } from './packet-cipher.ts';

export interface MacSpec { hash: HashName; length: number; keyLength: number; etm: boolean }

export const MAC_SPECS: Readonly<Record<string, MacSpec>> = {
  'hmac-sha2-256': { hash: 'SHA-256', length: 32, keyLength: 32, etm: false },
  'hmac-sha2-512': { hash: 'SHA-512', length: 64, keyLength: 64, etm: false },
  'hmac-sha2-256-etm@openssh.com': { hash: 'SHA-256', length: 32, keyLength: 32, etm: true },
  'hmac-sha2-512-etm@openssh.com': { hash: 'SHA-512', length: 64, keyLength: 64, etm: true },
};

/** Adds `blocks` to a 128-bit big-endian counter, in place. */
function advance(counter: Uint8Array, blocks: number): void {
  let carry = blocks;
  for (let i = 15; i >= 0 && carry > 0; i--) {
    const v = counter[i]! + (carry & 0xff);
    counter[i] = v & 0xff;
    carry = Math.floor(carry / 256) + (v >> 8);
  }
}

function macInput(seq: number, data: Uint8Array): Uint8Array {
  const m = new Uint8Array(4 + data.length);
  writeUint32(m, 0, seq);
  m.set(data, 4);
  return m;
}

const macError = () => new SshTransportError('MAC_MISMATCH', 'a packet failed its HMAC check: the data was altered or the keys disagree');

export class AesCtrHmacCipher implements PacketSealer, PacketOpener {
  readonly blockSize = 16;
  readonly lengthExcludedFromAlignment: boolean;
  readonly tagLength: number;
  readonly lengthBytes: number;
  readonly parallel: boolean;
  /** The first decrypted block of the packet being read (classic mode). */
  private head: Uint8Array | undefined;

  private constructor(private readonly key: CryptoKey, private readonly counter: Uint8Array,
    private readonly macKey: CryptoKey, private readonly mac: MacSpec) {
    this.lengthExcludedFromAlignment = mac.etm;
    this.tagLength = mac.length;
    this.lengthBytes = mac.etm ? 4 : 16;
    this.parallel = mac.etm; // classic mode must decrypt the first block to learn the length
  }

  static async create(key: Uint8Array, iv: Uint8Array, macName: string, macKey: Uint8Array): Promise<AesCtrHmacCipher> {
    const mac = MAC_SPECS[macName];
    if (!mac) throw new SshTransportError('KEX_NO_COMMON_ALGORITHM', `unsupported MAC ${macName}`);
    return new AesCtrHmacCipher(await importAesCtrKey(key), iv.slice(0, 16), await importHmacKey(macKey.subarray(0, mac.keyLength), mac.hash), mac);
  }

  /** The counter block for `bytes` bytes of keystream; the running counter advances past them. */
  private take(bytes: number): Uint8Array {
    const c = this.counter.slice();
    advance(this.counter, bytes / 16);
    return c;
  }

  async seal(seq: number, packet: Uint8Array): Promise<Uint8Array> {
    const out = new Uint8Array(packet.length + this.mac.length);
    if (this.mac.etm) {
      const ctr = this.take(packet.length - 4);
      out.set(packet.subarray(0, 4), 0);
      out.set(await aesCtr(this.key, ctr, packet.subarray(4)), 4);
      out.set(await hmacSign(this.macKey, macInput(seq, out.subarray(0, packet.length))), packet.length);
    } else {
      const ctr = this.take(packet.length);
      const [enc, mac] = await Promise.all([aesCtr(this.key, ctr, packet), hmacSign(this.macKey, macInput(seq, packet))]);
      out.set(enc, 0);
      out.set(mac, packet.length);
    }
    return out;
  }

  packetLength(_seq: number, head: Uint8Array): Promise<number> | number {
    if (this.mac.etm) return readUint32(head, 0);
    return aesCtr(this.key, this.take(16), head.subarray(0, 16)).then((block) => {
      this.head = block;
      return readUint32(block, 0);
    });
  }

  async open(seq: number, wire: Uint8Array): Promise<Uint8Array> {
    const end = wire.length - this.mac.length;
    const tag = wire.subarray(end);
    if (this.mac.etm) {
      const ctr = this.take(end - 4); // taken now: packets may be opened concurrently
      if (!(await hmacVerify(this.macKey, tag, macInput(seq, wire.subarray(0, end))))) throw macError();
      return aesCtr(this.key, ctr, wire.subarray(4, end));
    }
    const head = this.head;
    this.head = undefined;
    if (!head) throw new SshTransportError('PACKET_BAD_LENGTH', 'internal: packet opened before its length was read');
    const packet = new Uint8Array(end);
    packet.set(head, 0);
    if (end > 16) packet.set(await aesCtr(this.key, this.take(end - 16), wire.subarray(16, end)), 16);
    if (!(await hmacVerify(this.macKey, tag, macInput(seq, packet)))) throw macError();
    return packet.subarray(4);
  }
}
