// The user-auth methods of one card session, in a configurable order: by default an RFC 6187 x509v3 key first,
// then an OpenSSH certificate (when one is given), then the plain key. A server that refuses one simply answers
// USERAUTH_FAILURE and ssh-proto tries the next; all share the session's gate and PIN.
import type { CardKey, CardToken } from '../card/index.ts';
import type { AuthMethod } from '../ssh-proto/index.ts';
import { CardSession, type CardSessionOptions } from './card-session.ts';
import { openSshCertificateSigner } from './openssh-certificate.ts';
import { slotPublicKey } from './slot-public-key.ts';
import { x509v3Signer, type X509v3SignerOptions } from './x509v3-signer.ts';

export type CardAuthKind = 'x509v3' | 'openssh-certificate' | 'publickey';

export interface CardAuthOptions extends X509v3SignerOptions {
  /** Default ['x509v3', 'openssh-certificate', 'publickey']; kinds that do not apply are left out. */
  readonly order?: readonly CardAuthKind[];
  /** An OpenSSH user certificate for the card key (blob or "-cert.pub" text). */
  readonly opensshCertificate?: Uint8Array | string;
}

/** The publickey methods for `session`, in order. */
export async function cardAuthMethods(session: CardSession, options: CardAuthOptions = {}): Promise<AuthMethod[]> {
  const order = options.order ?? ['x509v3', 'openssh-certificate', 'publickey'];
  const methods: AuthMethod[] = [];
  for (const kind of order) {
    if (kind === 'x509v3' && session.key.certificate) {
      methods.push({ type: 'publickey', signer: x509v3Signer(session, options) });
      // RFC 6187 §3.1 x509v3-ssh-rsa (SHA-1) after x509v3-rsa2048-sha256, for servers that know only it; policy-gated.
      if (session.key.algorithm.startsWith('rsa-') && session.options.gate.allowSha1 === true) {
        methods.push({ type: 'publickey', signer: x509v3Signer(session, { ...options, algorithm: 'x509v3-ssh-rsa' }) });
      }
    } else if (kind === 'openssh-certificate' && options.opensshCertificate !== undefined) {
      methods.push({ type: 'publickey', signer: await openSshCertificateSigner(session, options.opensshCertificate) });
    } else if (kind === 'publickey') {
      methods.push({ type: 'publickey', signer: await session.plainSigner() });
    }
  }
  return methods;
}

/**
 * Opens a card session for `key`. On a YubiKey 5.3+ the slot's public key is read with GET METADATA, independently
 * of the certificate, so that the gate can tell a certificate left over from an earlier key (Yubico "PIV commands").
 */
export async function openCardSession(token: CardToken, key: CardKey, options: Omit<CardSessionOptions, 'token' | 'key' | 'keySpki'>): Promise<CardSession> {
  const keySpki = await slotPublicKey(token, key);
  return new CardSession({ token, key, ...options, ...(keySpki ? { keySpki } : {}) });
}
