// One interface for every key exchange method; each method is a small class in its own file.
// All methods here use SSH_MSG_KEX_ECDH_INIT (30) / _REPLY (31), which share numbers with KEXDH_INIT/REPLY.
//   reply: byte 31, string K_S, <method's server value>, string signature of H
import type { HashName } from '../crypto/index.ts';

export interface KexReply {
  /** K_S, the server's host key blob. */
  hostKey: Uint8Array;
  signature: Uint8Array;
  /** The method's middle of the exchange hash input (Q_C, Q_S or e, f), already encoded. */
  exchangeValues: Uint8Array;
  /** K as it enters the hash: mpint for (EC)DH and X25519, string for the ML-KEM hybrid. */
  sharedSecret: Uint8Array;
}

export interface KexMethod {
  readonly name: string;
  readonly hash: HashName;
  /** The client's SSH_MSG_KEX_ECDH_INIT / KEXDH_INIT payload. */
  init(): Promise<Uint8Array>;
  /** Parses the server's reply and computes the shared secret. Throws KEX_BAD_REPLY. */
  reply(payload: Uint8Array): Promise<KexReply>;
}
