// The page's known_hosts records (site policy, IndexedDB, import/export). Parsing and matching are
// ssh-proto's (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT": hashed names, [host]:port, wildcards,
// negation, @cert-authority, @revoked); this file only keeps lines in a storable shape.
import { parseKnownHosts as parseKnownHostsFile, hostKeyName, toBase64 } from '../../ssh-proto/index.ts';
import { WebError } from '../errors.ts';

export interface KnownHostEntry {
  readonly marker: '' | '@revoked' | '@cert-authority';
  readonly hosts: string;
  readonly keyType: string;
  readonly keyBase64: string;
  readonly comment: string;
}

/** The name known_hosts uses for a target: "host" on port 22, "[host]:port" otherwise. */
export function hostName(host: string, port: number): string {
  return hostKeyName(host.toLowerCase(), port);
}

/** Parses known_hosts text; a line that cannot be read is an error naming the line (nothing is half-imported). */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const file = parseKnownHostsFile(text);
  const bad = file.errors[0];
  if (bad) throw new WebError('KNOWN_HOSTS_INVALID', `known_hosts line ${bad.line}: ${bad.message}.`);
  return file.entries.map((e) => ({
    marker: e.marker === undefined ? '' : `@${e.marker}`,
    hosts: e.hosts,
    keyType: e.keyType,
    keyBase64: toBase64(e.key),
    comment: e.comment,
  }));
}

export function formatKnownHostsLine(e: KnownHostEntry): string {
  return [e.marker, e.hosts, e.keyType, e.keyBase64, e.comment].filter((f) => f !== '').join(' ');
}
