// known_hosts lines (OpenSSH sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): host patterns, key type,
// base64 key; "[host]:port" for ports other than 22; hashed names "|1|salt|hmac" (HMAC-SHA1 of
// the name under the salt); the @revoked marker. @cert-authority lines are kept but not used by
// this matcher (the SSH layer checks host certificates).
import { WebError } from '../errors.ts';
import { base64, fromBase64, keyTypeOf } from './fingerprint.ts';

export interface KnownHostEntry {
  readonly marker: '' | '@revoked' | '@cert-authority';
  readonly hosts: string;
  readonly keyType: string;
  readonly keyBase64: string;
  readonly comment: string;
}

export type HostKeyLookup =
  | { readonly status: 'match'; readonly entry: KnownHostEntry }
  | { readonly status: 'revoked'; readonly entry: KnownHostEntry }
  | { readonly status: 'changed'; readonly entry: KnownHostEntry }
  | { readonly status: 'unknown' };

/** The name known_hosts uses for a target: "host" on port 22, "[host]:port" otherwise. */
export function hostName(host: string, port: number): string {
  return port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`;
}

export function parseKnownHostsLine(line: string, lineNumber = 1): KnownHostEntry | undefined {
  const text = line.trim();
  if (text === '' || text.startsWith('#')) return undefined;
  const fields = text.split(/\s+/);
  let marker: KnownHostEntry['marker'] = '';
  if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift() as KnownHostEntry['marker'];
  const [hosts, keyType, keyBase64, ...rest] = fields;
  if (hosts === undefined || keyType === undefined || keyBase64 === undefined) {
    throw new WebError('KNOWN_HOSTS_INVALID', `known_hosts line ${lineNumber} is incomplete: expected "hosts key-type base64-key".`);
  }
  let blob: Uint8Array;
  try { blob = fromBase64(keyBase64); } catch {
    throw new WebError('KNOWN_HOSTS_INVALID', `known_hosts line ${lineNumber} has a key that is not valid base64.`);
  }
  if (keyTypeOf(blob) !== keyType) {
    throw new WebError('KNOWN_HOSTS_INVALID', `known_hosts line ${lineNumber}: the key does not match its type '${keyType.slice(0, 40)}'.`);
  }
  return { marker, hosts, keyType, keyBase64, comment: rest.join(' ') };
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const e = parseKnownHostsLine(line, i + 1);
    if (e) entries.push(e);
  });
  return entries;
}

export function formatKnownHostsLine(e: KnownHostEntry): string {
  return [e.marker, e.hosts, e.keyType, e.keyBase64, e.comment].filter((f) => f !== '').join(' ');
}

/** OpenSSH pattern matching: '*' and '?' wildcards (match.c). */
function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(name);
}

async function hashedMatch(field: string, name: string): Promise<boolean> {
  const parts = field.split('|'); // "", "1", salt, hash
  if (parts.length !== 4 || parts[1] !== '1') return false;
  try {
    const key = await crypto.subtle.importKey('raw', fromBase64(parts[2]!) as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(name)));
    return base64(mac) === parts[3];
  } catch {
    return false;
  }
}

/** Whether the entry's host list names `name` (a negated pattern "!p" excludes). */
export async function hostsMatch(hosts: string, name: string): Promise<boolean> {
  if (hosts.startsWith('|1|')) return hashedMatch(hosts, name);
  let matched = false;
  for (const pattern of hosts.split(',')) {
    if (pattern.startsWith('!')) { if (globMatch(pattern.slice(1), name)) return false; }
    else if (globMatch(pattern, name)) matched = true;
  }
  return matched;
}

/**
 * Looks a presented key up: revoked beats everything; a matching key is trusted; another key of
 * the same type for the same host means the key CHANGED (a hard stop).
 */
export async function lookupHostKey(entries: readonly KnownHostEntry[], host: string, port: number, blob: Uint8Array): Promise<HostKeyLookup> {
  const name = hostName(host, port);
  const keyBase64 = base64(blob);
  const keyType = keyTypeOf(blob);
  for (const e of entries) {
    if (e.marker === '@revoked' && e.keyBase64 === keyBase64) return { status: 'revoked', entry: e };
  }
  let changed: KnownHostEntry | undefined;
  for (const e of entries) {
    if (e.marker !== '' || !(await hostsMatch(e.hosts, name))) continue;
    if (e.keyBase64 === keyBase64) return { status: 'match', entry: e };
    if (e.keyType === keyType) changed ??= e;
  }
  return changed ? { status: 'changed', entry: changed } : { status: 'unknown' };
}
