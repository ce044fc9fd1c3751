// aes128-gcm@openssh.com / aes256-gcm@openssh.com (RFC 5647). packet_length travels in clear as the AAD;
// the 12-byte IV is a 4-byte fixed field and an 8-byte invocation counter incremented per packet (§7.1).
// The AES-GCM key comes from the crypto backend, which may answer synchronously (node:crypto) or not (WebCrypto).
import { advanceGcmCounter, cryptoBackend, type AesGcmKey, type CryptoBackend } from '../crypto/index.ts';
import { SshTransportError } from './errors.ts';
import { readUint32, type PacketOpener, type PacketSealer } from './packet-cipher.ts';

const macError = () => new SshTransportError('MAC_MISMATCH', 'a packet failed its AES-GCM tag check: the data was altered or the keys disagree');

function checked(plain: Uint8Array | undefined): Uint8Array {
  if (plain === undefined) throw macError();
  return plain;
}

export class AesGcmCipher implements PacketSealer, PacketOpener {
  readonly blockSize = 16;
  readonly lengthExcludedFromAlignment = true;
  readonly tagLength = 16;
  readonly lengthBytes = 4;
  readonly parallel = true;

  readonly sealInPlace?: (seq: number, wire: Uint8Array) => void;

  private constructor(private readonly key: AesGcmKey, private readonly iv: Uint8Array) {
    const inPlace = key.encryptInPlace?.bind(key);
    if (inPlace) this.sealInPlace = (_seq, wire) => inPlace(this.nextIv(), wire);
  }

  static async create(key: Uint8Array, iv: Uint8Array, backend: CryptoBackend = cryptoBackend()): Promise<AesGcmCipher> {
    if (iv.length < 12) throw new RangeError('AES-GCM needs a 12-byte initial IV');
    return new AesGcmCipher(await backend.aesGcmKey(key), iv.slice(0, 12));
  }

  /** The IV of the packet being sealed or opened by a synchronous key (which copies it): reused, not allocated. */
  private readonly current = new Uint8Array(12);

  /** The IV for this packet; the invocation counter then advances (RFC 5647 §7.1, wraps mod 2^64). */
  private nextIv(): Uint8Array {
    const iv = this.key.synchronous ? this.current : new Uint8Array(12);
    iv.set(this.iv);
    advanceGcmCounter(this.iv);
    return iv;
  }

  seal(_seq: number, packet: Uint8Array): Promise<Uint8Array> | Uint8Array {
    const aad = packet.subarray(0, 4);
    const frame = (sealed: Uint8Array) => {
      const out = new Uint8Array(4 + sealed.length);
      out.set(aad, 0);
      out.set(sealed, 4);
      return out;
    };
    const sealed = this.key.encrypt(this.nextIv(), aad, packet.subarray(4));
    return sealed instanceof Uint8Array ? frame(sealed) : sealed.then(frame);
  }

  packetLength(_seq: number, head: Uint8Array): number {
    return readUint32(head, 0);
  }

  /** Wipes the key where the backend can (cli/openssl-packet-keys.ts); a WebCrypto key is left to the collector. */
  dispose(): void {
    this.key.dispose?.();
  }

  open(_seq: number, wire: Uint8Array): Promise<Uint8Array> | Uint8Array {
    const plain = this.key.decrypt(this.nextIv(), wire.subarray(0, 4), wire.subarray(4));
    return plain instanceof Promise ? plain.then(checked) : checked(plain);
  }
}
