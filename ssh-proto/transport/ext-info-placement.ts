// When the server's SSH_MSG_EXT_INFO counts (RFC 8308 §2.4), as OpenSSH's client takes it:
// - before the first NEWKEYS nothing is authenticated: it is refused (the transport's initial-kex check ends the
//   handshake first), so a plaintext EXT_INFO cannot replace server-sig-algs (RFC 8308 §3.1);
// - from the first NEWKEYS until USERAUTH_SUCCESS it is applied: the first packet after NEWKEYS, or one before
//   USERAUTH_SUCCESS (§2.4; OpenSSH applies it anywhere in user auth, sshconnect2.c input_userauth_ext_info);
// - after authentication it is ignored and answered UNIMPLEMENTED (OpenSSH's kex_protocol_error).
import { MSG } from '../messages.ts';
import { SshTransportError } from './errors.ts';

type Phase = 'initial-kex' | 'authenticating' | 'authenticated';

export class ExtInfoPlacement {
  private phase: Phase = 'initial-kex';

  /** The first NEWKEYS from the server was received. */
  firstNewKeys(): void {
    this.phase = 'authenticating';
  }

  /** Every packet from the server, in order: USERAUTH_SUCCESS ends the time EXT_INFO counts. */
  packet(type: number): void {
    if (type === MSG.USERAUTH_SUCCESS && this.phase === 'authenticating') this.phase = 'authenticated';
  }

  /** An EXT_INFO arrived: true when it is to be applied now, false when it is to be ignored. */
  extInfoApplies(): boolean {
    if (this.phase === 'initial-kex') {
      throw new SshTransportError('EXT_INFO_UNEXPECTED', 'the server sent SSH_MSG_EXT_INFO before the first SSH_MSG_NEWKEYS (RFC 8308 §2.4)');
    }
    return this.phase === 'authenticating';
  }
}
