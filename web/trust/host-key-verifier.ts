// The page's host-key decision (ARCHITECTURE.md, "Server host key", fail closed). ssh-proto's
// checkHostKey decides against known_hosts lines (@revoked first, then @cert-authority host
// certificates, then plain keys); this file adds the page's policy:
// - the site's lines decide alone for a host they know: a user's line never overrides a provisioned key;
// - the user's lines (remembered, imported) count only for hosts the site does not know, and never in kiosk mode;
// - revoked, changed, or a key of a type other than those on record → hard stop;
// - unknown → prompt only where the policy allows trust on first use (never in kiosk mode).
import {
  checkHostKey, DEFAULT_HOST_KEY, encodePublicKey, HostKeyError, isCertificateType, parseCertificate,
  preferredHostKeyAlgorithms, publicKeyType, toBase64, type HostKeyTrust,
} from '../../ssh-proto/index.ts';
import { WebError } from '../errors.ts';
import type { RecordStore } from '../storage/record-store.ts';
import { formatKnownHostsLine, hostName, type KnownHostEntry } from './known-hosts.ts';

export type HostKeyChoice = 'once' | 'remember' | 'refuse';

export interface HostKeyQuestion {
  /** 'other-type': the host is on record only with keys of other types (`knownFingerprint` lists them). */
  readonly kind: 'unknown' | 'changed' | 'other-type' | 'revoked';
  readonly host: string;
  readonly port: number;
  readonly keyType: string;
  readonly fingerprint: string;
  /** For a changed key: the fingerprint on record; for 'other-type': the types and fingerprints on record. */
  readonly knownFingerprint?: string;
  /** Whether "remember" is offered (personal mode with persistence). */
  readonly canRemember: boolean;
}

export interface HostKeyVerifierOptions {
  readonly host: string;
  readonly port: number;
  readonly siteEntries: readonly KnownHostEntry[];
  /** The user's remembered and imported lines; left out in kiosk mode, where only the site's lines count. */
  readonly userStore?: RecordStore<KnownHostEntry>;
  readonly trustOnFirstUse: boolean;
  readonly canRemember: boolean;
  /** Shows the dialog; for 'changed'/'revoked' only an acknowledgement is possible (resolves 'refuse'). */
  ask(question: HostKeyQuestion): Promise<HostKeyChoice>;
  /** Reports the fingerprint the session ended up trusting (for the status line). */
  onTrusted?(fingerprint: string, how: 'known' | 'once' | 'remember'): void;
}

/** The store's key: a host's plain key of one type replaces the earlier one; marked lines are kept side by side. */
export function userEntryKey(e: KnownHostEntry): string {
  return e.marker === '' ? `${e.hosts} ${e.keyType}` : `${e.marker} ${e.hosts} ${e.keyType} ${e.keyBase64}`;
}

/**
 * The host-key algorithms to offer, types on record for the host first (OpenSSH's order_hostkeyalgs):
 * a known server then presents the key that can be checked, and a server that presents another type
 * is refused ('other-type') rather than offered for trust on first use.
 */
export async function hostKeyAlgorithmsFor(o: Pick<HostKeyVerifierOptions, 'host' | 'port' | 'siteEntries' | 'userStore'>): Promise<string[]> {
  const entries = [...o.siteEntries, ...(await o.userStore?.list() ?? [])];
  return preferredHostKeyAlgorithms(linesOf(entries), o.host.toLowerCase(), o.port, DEFAULT_HOST_KEY);
}

/** Returns the `verifyHostKey` callback for ssh-proto's TransportOptions. */
export function createHostKeyVerifier(o: HostKeyVerifierOptions): (key: { algorithm: string; blob: Uint8Array }) => Promise<void> {
  /**
   * The site's lines (and the user's @revoked lines, which only narrow trust) first; the user's other
   * lines join them only when the site knows nothing of this host.
   */
  const decide = async (key: { algorithm: string; blob: Uint8Array }): Promise<HostKeyTrust> => {
    const check = (entries: readonly KnownHostEntry[]) => checkHostKey({ knownHosts: linesOf(entries), host: o.host.toLowerCase(), port: o.port }, key);
    const user = await o.userStore?.list() ?? [];
    try {
      return await check([...o.siteEntries, ...user.filter((e) => e.marker === '@revoked')]);
    } catch (err) {
      const siteSilent = err instanceof HostKeyError && err.code === 'HOST_KEY_UNKNOWN' && err.known.length === 0;
      if (!siteSilent || user.length === 0) throw err;
      return check([...o.siteEntries, ...user]);
    }
  };
  return async (presented) => {
    try {
      const trust = await decide(presented);
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
      if (err.known.length > 0) {
        // Known with other key types only: not a first connection. The offer put the known types first
        // (hostKeyAlgorithmsFor), so a server that still presents another type is refused, as OpenSSH's
        // client warns and as `tessera ssh` refuses.
        const knownFingerprint = err.known.map((k) => `${k.keyType} ${k.fingerprint}`).join(', ');
        await o.ask({ ...base, kind: 'other-type', knownFingerprint });
        throw new WebError('HOST_KEY_OTHER_TYPE', `The server presented a ${err.keyType} host key (${err.fingerprint}), but ${hostName(o.host, o.port)} is on record with ${knownFingerprint}. Someone may be intercepting the connection; the session was stopped.`);
      }
      if (!o.trustOnFirstUse || !o.userStore) {
        throw new WebError('HOST_KEY_UNKNOWN', `The server's host key ${err.fingerprint} is not provisioned for ${hostName(o.host, o.port)}, and this site does not allow trusting new keys. Ask the administrator to add it to the site's known hosts.`);
      }
      const choice = await o.ask({ ...base, kind: 'unknown' });
      if (choice === 'refuse') throw new WebError('HOST_KEY_REFUSED', `You refused the server's host key ${err.fingerprint}.`);
      const remember = choice === 'remember' && o.canRemember;
      if (remember) {
        // A host certificate is remembered as its plain key (as OpenSSH's accept-new does).
        const entry: KnownHostEntry = { marker: '', hosts: hostName(o.host, o.port), keyType: err.keyType, keyBase64: plainKeyBase64(presented.blob), comment: '' };
        await o.userStore.put(userEntryKey(entry), entry);
      }
      o.onTrusted?.(err.fingerprint, remember ? 'remember' : 'once');
    }
  };
}

function linesOf(entries: readonly KnownHostEntry[]): string {
  return entries.map(formatKnownHostsLine).join('\n');
}

function plainKeyBase64(blob: Uint8Array): string {
  return toBase64(isCertificateType(publicKeyType(blob)) ? encodePublicKey(parseCertificate(blob).key) : blob);
}
