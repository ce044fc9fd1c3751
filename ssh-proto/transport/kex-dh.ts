// Finite-field Diffie-Hellman kex over fixed groups (RFC 4253 §8, RFC 8268):
//   byte 30 SSH_MSG_KEXDH_INIT, mpint e
//   byte 31 SSH_MSG_KEXDH_REPLY, string K_S, mpint f, string signature
// H input middle: mpint e, mpint f; K = mpint.
import { MSG } from '../messages.ts';
import { SshReader, SshWriter } from '../wire/index.ts';
import {
  DH_GROUPS, dhKeyPair, dhSharedSecret, SshCryptoError, type DhGroupName, type DhKeyPair, type HashName,
} from '../crypto/index.ts';
import { SshTransportError } from './errors.ts';
import type { KexMethod, KexReply } from './kex-method.ts';

export class DhGroupKex implements KexMethod {
  private pair: DhKeyPair | undefined;
  constructor(readonly name: string, private readonly group: DhGroupName, readonly hash: HashName) {}

  async init(): Promise<Uint8Array> {
    this.pair = dhKeyPair(DH_GROUPS[this.group]);
    return new SshWriter(this.pair.group.bits / 8 + 16).byte(MSG.KEX_ECDH_INIT).mpint(this.pair.e).toBytes();
  }

  async reply(payload: Uint8Array): Promise<KexReply> {
    const r = new SshReader(payload);
    if (r.byte() !== MSG.KEX_ECDH_REPLY) throw new SshTransportError('KEX_UNEXPECTED_MESSAGE', 'expected SSH_MSG_KEXDH_REPLY');
    const hostKey = r.string();
    // RFC 4253 §8: 1 < f < p-1, so f has at most p's bytes plus mpint's sign byte; a longer f is refused before it
    // is converted (OpenSSH caps bignums too: a 256 KiB f must not cost more than its length check).
    if (r.peekLength() > this.pair!.group.bits / 8 + 1) {
      throw new SshCryptoError('DH_BAD_PUBLIC_VALUE', 'the server sent a Diffie-Hellman value f longer than the group\'s prime p');
    }
    const f = r.mpint();
    const signature = r.string();
    r.end();
    const k = dhSharedSecret(this.pair!, f);
    return {
      hostKey, signature,
      exchangeValues: new SshWriter(1100).mpint(this.pair!.e).mpint(f).toBytes(),
      sharedSecret: new SshWriter(1100).mpint(k).toBytes(),
    };
  }
}
