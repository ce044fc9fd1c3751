// Cipher name + MAC name -> key sizes and a packet cipher instance.
import { SshTransportError } from './errors.ts';
import { createAesCtrHmacCipher, MAC_SPECS } from './aes-ctr-hmac.ts';
import { AesGcmCipher } from './aes-gcm.ts';
import { ChaCha20Poly1305Cipher } from './chacha20-poly1305.ts';
import { deriveDirectionKeys, type DirectionKeys } from './key-schedule.ts';
import { cryptoBackend, type CryptoBackend, type HashName } from '../crypto/index.ts';
import type { NegotiatedAlgorithms } from './algorithms.ts';
import type { PacketOpener, PacketSealer } from './packet-cipher.ts';

export type PacketCipher = PacketSealer & PacketOpener;

const CIPHER_SIZES: Readonly<Record<string, { key: number; iv: number }>> = {
  'chacha20-poly1305@openssh.com': { key: 64, iv: 0 },
  'aes128-gcm@openssh.com': { key: 16, iv: 12 },
  'aes256-gcm@openssh.com': { key: 32, iv: 12 },
  'aes128-ctr': { key: 16, iv: 16 },
  'aes192-ctr': { key: 24, iv: 16 },
  'aes256-ctr': { key: 32, iv: 16 },
};

export function keySizes(cipher: string, mac: string): { iv: number; key: number; macKey: number } {
  const c = CIPHER_SIZES[cipher];
  if (!c) throw new SshTransportError('KEX_NO_COMMON_ALGORITHM', `cipher ${cipher} is not implemented`);
  const m = mac === 'none' ? 0 : MAC_SPECS[mac]?.keyLength;
  if (m === undefined) throw new SshTransportError('KEX_NO_COMMON_ALGORITHM', `MAC ${mac} is not implemented`);
  return { iv: c.iv, key: c.key, macKey: m };
}

/** A packet cipher keyed for one direction; `backend` supplies the AEAD primitives (default: the registered one). */
export async function createPacketCipher(cipher: string, mac: string, keys: DirectionKeys, backend: CryptoBackend = cryptoBackend()): Promise<PacketCipher> {
  switch (cipher) {
    case 'chacha20-poly1305@openssh.com':
      return ChaCha20Poly1305Cipher.create(keys.key, backend);
    case 'aes128-gcm@openssh.com':
    case 'aes256-gcm@openssh.com':
      return AesGcmCipher.create(keys.key, keys.iv, backend);
    case 'aes128-ctr':
    case 'aes192-ctr':
    case 'aes256-ctr':
      return createAesCtrHmacCipher(keys.key, keys.iv, mac, keys.macKey, backend);
    default:
      throw new SshTransportError('KEX_NO_COMMON_ALGORITHM', `cipher ${cipher} is not implemented`);
  }
}

/** Both directions' ciphers after a key exchange (RFC 4253 §7.2: letters A/C/E client to server, B/D/F back). */
export async function newKeys(hash: HashName, k: Uint8Array, h: Uint8Array, sessionId: Uint8Array, algs: NegotiatedAlgorithms)
  : Promise<{ sealer: PacketCipher; opener: PacketCipher }> {
  const [c2s, s2c] = await Promise.all([
    deriveDirectionKeys(hash, k, h, sessionId, true, keySizes(algs.cipherClientToServer, algs.macClientToServer)),
    deriveDirectionKeys(hash, k, h, sessionId, false, keySizes(algs.cipherServerToClient, algs.macServerToClient)),
  ]);
  const [sealer, opener] = await Promise.all([
    createPacketCipher(algs.cipherClientToServer, algs.macClientToServer, c2s),
    createPacketCipher(algs.cipherServerToClient, algs.macServerToClient, s2c),
  ]);
  return { sealer, opener };
}
