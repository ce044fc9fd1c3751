// Where the server may send SSH_MSG_EXT_INFO (RFC 8308 §2.4): only as the first packet after its first NEWKEYS, and
// immediately before SSH_MSG_USERAUTH_SUCCESS. Anywhere else it is refused: a plaintext EXT_INFO during the
// initial kex, or one slipped in later, could otherwise replace server-sig-algs (RFC 8308 §3.1).
import { MSG } from '../messages.ts';
import { SshTransportError } from './errors.ts';

type Phase = 'initial-kex' | 'first-after-newkeys' | 'authenticating' | 'authenticated';

export class ExtInfoPlacement<T> {
  private phase: Phase = 'initial-kex';
  /** An EXT_INFO received during authentication, applied only if USERAUTH_SUCCESS follows it at once. */
  private held: T | undefined;

  /** False once authentication succeeded: from then on only an EXT_INFO itself needs a look. */
  get watching(): boolean {
    return this.phase !== 'authenticated';
  }

  /** The first NEWKEYS from the server was received. */
  firstNewKeys(): void {
    this.phase = 'first-after-newkeys';
  }

  /**
   * Every packet other than EXT_INFO and DISCONNECT, in order, while `watching`.
   * Returns a held EXT_INFO that is now to be applied (this packet is USERAUTH_SUCCESS).
   */
  packet(type: number): T | undefined {
    if (this.phase === 'first-after-newkeys') this.phase = 'authenticating';
    if (this.phase !== 'authenticating') return undefined;
    const held = this.held;
    this.held = undefined;
    if (type === MSG.USERAUTH_SUCCESS) { this.phase = 'authenticated'; return held; }
    if (held !== undefined) throw unexpected(`followed by message ${type}, not SSH_MSG_USERAUTH_SUCCESS`);
    return undefined;
  }

  /** An EXT_INFO: returns it when it applies now; holds it when only a following USERAUTH_SUCCESS can tell. */
  extInfo(ext: T): T | undefined {
    switch (this.phase) {
      case 'first-after-newkeys':
        this.phase = 'authenticating';
        return ext;
      case 'authenticating':
        if (this.held !== undefined) throw unexpected('twice in a row');
        this.held = ext;
        return undefined;
      case 'initial-kex':
        throw unexpected('before the first SSH_MSG_NEWKEYS');
      case 'authenticated':
        throw unexpected('after authentication');
    }
  }
}

function unexpected(where: string): SshTransportError {
  return new SshTransportError('EXT_INFO_UNEXPECTED', `the server sent SSH_MSG_EXT_INFO ${where} (RFC 8308 §2.4 allows it only right after the first SSH_MSG_NEWKEYS or right before SSH_MSG_USERAUTH_SUCCESS)`);
}
