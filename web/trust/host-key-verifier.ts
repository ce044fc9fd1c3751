// The page's host-key decision (ARCHITECTURE.md, "Server host key", fail closed). ssh-proto's
// checkHostKey decides against the site's and the user's known_hosts lines (@revoked first, then
// @cert-authority host certificates, then plain keys); this file adds the page's policy: revoked or
// changed → hard stop; unknown → prompt only where the policy allows trust on first use (never in kiosk mode).
import {
  checkHostKey, encodePublicKey, HostKeyError, isCertificateType, parseCertificate, publicKeyType, toBase64,
} from '../../ssh-proto/index.ts';
import { WebError } from '../errors.ts';
import type { RecordStore } from '../storage/record-store.ts';
import { formatKnownHostsLine, hostName, type KnownHostEntry } from './known-hosts.ts';

export type HostKeyChoice = 'once' | 'remember' | 'refuse';

export interface HostKeyQuestion {
  readonly kind: 'unknown' | 'changed' | 'revoked';
  readonly host: string;
  readonly port: number;
  readonly keyType: string;
  readonly fingerprint: string;
  /** For a changed key: the fingerprint on record. */
  readonly knownFingerprint?: string;
  /** Whether "remember" is offered (personal mode with persistence). */
  readonly canRemember: boolean;
}

export interface HostKeyVerifierOptions {
  readonly host: string;
  readonly port: number;
  readonly siteEntries: readonly KnownHostEntry[];
  readonly userStore: RecordStore<KnownHostEntry>;
  readonly trustOnFirstUse: boolean;
  readonly canRemember: boolean;
  /** Shows the dialog; for 'changed'/'revoked' only an acknowledgement is possible (resolves 'refuse'). */
  ask(question: HostKeyQuestion): Promise<HostKeyChoice>;
  /** Reports the fingerprint the session ended up trusting (for the status line). */
  onTrusted?(fingerprint: string, how: 'known' | 'once' | 'remember'): void;
}

export function userEntryKey(e: KnownHostEntry): string { return `${e.hosts} ${e.keyType}`; }

/** Returns the `verifyHostKey` callback for ssh-proto's TransportOptions. */
export function createHostKeyVerifier(o: HostKeyVerifierOptions): (key: { algorithm: string; blob: Uint8Array }) => Promise<void> {
  return async (key) => {
    const entries = [...o.siteEntries, ...(await o.userStore.list())];
    const knownHosts = entries.map(formatKnownHostsLine).join('\n');
    try {
      const trust = await checkHostKey({ knownHosts, host: o.host.toLowerCase(), port: o.port }, key);
      o.onTrusted?.(trust.fingerprint, 'known');
      return;
    } catch (err) {
      if (!(err instanceof HostKeyError)) throw err;
      const base = { host: o.host, port: o.port, keyType: err.keyType, fingerprint: err.fingerprint, canRemember: o.canRemember };
      switch (err.code) {
        case 'HOST_KEY_REVOKED':
          await o.ask({ ...base, kind: 'revoked' });
          throw new WebError('HOST_KEY_REVOKED', `The server's host key ${err.fingerprint} is revoked by the site policy. Do not connect; contact the administrator.`);
        case 'HOST_KEY_CHANGED': {
          const knownFingerprint = err.known[0]?.fingerprint ?? '';
          await o.ask({ ...base, kind: 'changed', knownFingerprint });
          throw new WebError('HOST_KEY_CHANGED', `The server's ${err.keyType} host key changed (now ${err.fingerprint}, on record ${knownFingerprint}). Someone may be intercepting the connection; the session was stopped.`);
        }
        case 'HOST_CERT_INVALID':
          throw new WebError('HOST_CERT_INVALID', `The server's host certificate is not valid: ${err.reasons.join('; ')}.`);
        default:
          break; // HOST_KEY_UNKNOWN: the page's policy decides below.
      }
      if (!o.trustOnFirstUse) {
        throw new WebError('HOST_KEY_UNKNOWN', `The server's host key ${err.fingerprint} is not provisioned for ${hostName(o.host, o.port)}, and this site does not allow trusting new keys. Ask the administrator to add it to the site's known hosts.`);
      }
      const choice = await o.ask({ ...base, kind: 'unknown' });
      if (choice === 'refuse') throw new WebError('HOST_KEY_REFUSED', `You refused the server's host key ${err.fingerprint}.`);
      const remember = choice === 'remember' && o.canRemember;
      if (remember) {
        // A host certificate is remembered as its plain key (as OpenSSH's accept-new does).
        const entry: KnownHostEntry = { marker: '', hosts: hostName(o.host, o.port), keyType: err.keyType, keyBase64: plainKeyBase64(key.blob), comment: '' };
        await o.userStore.put(userEntryKey(entry), entry);
      }
      o.onTrusted?.(err.fingerprint, remember ? 'remember' : 'once');
    }
  };
}

function plainKeyBase64(blob: Uint8Array): string {
  return toBase64(isCertificateType(publicKeyType(blob)) ? encodePublicKey(parseCertificate(blob).key) : blob);
}
