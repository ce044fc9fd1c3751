// The page's host-key decision (ARCHITECTURE.md, "Server host key", fail closed):
// site-provisioned or remembered match → accept; revoked or changed → hard stop; unknown →
// prompt only where the policy allows trust on first use (never in kiosk mode).
import { WebError } from '../errors.ts';
import type { RecordStore } from '../storage/record-store.ts';
import { fingerprintSha256, base64, keyTypeOf } from './fingerprint.ts';
import { hostName, lookupHostKey, type KnownHostEntry } from './known-hosts.ts';

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
  return async ({ blob }) => {
    const fingerprint = await fingerprintSha256(blob);
    const keyType = keyTypeOf(blob);
    const entries = [...o.siteEntries, ...(await o.userStore.list())];
    const found = await lookupHostKey(entries, o.host, o.port, blob);
    const base = { host: o.host, port: o.port, keyType, fingerprint, canRemember: o.canRemember };
    if (found.status === 'match') { o.onTrusted?.(fingerprint, 'known'); return; }
    if (found.status === 'revoked') {
      await o.ask({ ...base, kind: 'revoked' });
      throw new WebError('HOST_KEY_REVOKED', `The server's host key ${fingerprint} is revoked by the site policy. Do not connect; contact the administrator.`);
    }
    if (found.status === 'changed') {
      const knownFingerprint = await fingerprintSha256(Uint8Array.from(atob(found.entry.keyBase64), (c) => c.charCodeAt(0)));
      await o.ask({ ...base, kind: 'changed', knownFingerprint });
      throw new WebError('HOST_KEY_CHANGED', `The server's ${keyType} host key changed (now ${fingerprint}, on record ${knownFingerprint}). Someone may be intercepting the connection; the session was stopped.`);
    }
    if (!o.trustOnFirstUse) {
      throw new WebError('HOST_KEY_UNKNOWN', `The server's host key ${fingerprint} is not provisioned for ${hostName(o.host, o.port)}, and this site does not allow trusting new keys. Ask the administrator to add it to the site's known hosts.`);
    }
    const choice = await o.ask({ ...base, kind: 'unknown' });
    if (choice === 'refuse') throw new WebError('HOST_KEY_REFUSED', `You refused the server's host key ${fingerprint}.`);
    if (choice === 'remember' && o.canRemember) {
      const entry: KnownHostEntry = { marker: '', hosts: hostName(o.host, o.port), keyType, keyBase64: base64(blob), comment: '' };
      await o.userStore.put(userEntryKey(entry), entry);
    }
    o.onTrusted?.(fingerprint, choice === 'remember' && o.canRemember ? 'remember' : 'once');
  };
}
