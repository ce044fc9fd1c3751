// OpenSSH known_hosts files, sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT":
//   [@cert-authority|@revoked] hostpatterns keytype base64-key [comment]
// Host patterns are a comma list with * ? ! and [host]:port, or one hashed name "|1|base64(salt)|base64(HMAC-SHA1(salt, name))".
import { hmacSha1, randomBytes } from '../crypto/index.ts';
import { fromBase64, publicKeyType, toBase64 } from '../keys/index.ts';
import { hostKeyName, matchPatternList } from './pattern.ts';

export type KnownHostMarker = 'cert-authority' | 'revoked';

export interface KnownHostEntry {
  /** 1-based line number in the file, for messages ("offending key in known_hosts line 7"). */
  readonly line: number;
  readonly marker: KnownHostMarker | undefined;
  /** The host field as written: a pattern list, or a hashed name. */
  readonly hosts: string;
  readonly hashed: { salt: Uint8Array; hash: Uint8Array } | undefined;
  readonly keyType: string;
  readonly key: Uint8Array;
  readonly comment: string;
}

export interface KnownHostsParseError { readonly line: number; readonly message: string }

export interface KnownHosts {
  readonly entries: readonly KnownHostEntry[];
  /** Lines that could not be read; they are skipped, as OpenSSH skips them. */
  readonly errors: readonly KnownHostsParseError[];
}

const HASH_MAGIC = '|1|';

function parseHashed(field: string): { salt: Uint8Array; hash: Uint8Array } | undefined {
  const parts = field.slice(HASH_MAGIC.length).split('|');
  if (parts.length !== 2) return undefined;
  const salt = fromBase64(parts[0]!, 'hashed host salt');
  const hash = fromBase64(parts[1]!, 'hashed host name');
  // hostfile.c: salt and hash are both SHA-1 sized.
  return salt.length === 20 && hash.length === 20 ? { salt, hash } : undefined;
}

export function parseKnownHosts(text: string): KnownHosts {
  const entries: KnownHostEntry[] = [];
  const errors: KnownHostsParseError[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const s = raw.trim();
    if (s === '' || s.startsWith('#')) return;
    const fields = s.split(/[ \t]+/);
    let marker: KnownHostMarker | undefined;
    if (fields[0]!.startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@cert-authority') marker = 'cert-authority';
      else if (m === '@revoked') marker = 'revoked';
      else {
        errors.push({ line, message: `unknown marker ${m}` });
        return;
      }
    }
    const [hosts, keyType, b64, ...comment] = fields;
    if (hosts === undefined || keyType === undefined || b64 === undefined) {
      errors.push({ line, message: 'expected host patterns, key type and key' });
      return;
    }
    try {
      const key = fromBase64(b64, 'key');
      if (publicKeyType(key) !== keyType) {
        errors.push({ line, message: `key type ${keyType} does not match the key's own type` });
        return;
      }
      let hashed: KnownHostEntry['hashed'];
      if (hosts.startsWith(HASH_MAGIC)) {
        hashed = parseHashed(hosts);
        if (!hashed) {
          errors.push({ line, message: 'malformed hashed host name' });
          return;
        }
      }
      entries.push({ line, marker, hosts, hashed, keyType, key, comment: comment.join(' ') });
    } catch (e) {
      errors.push({ line, message: e instanceof Error ? e.message : String(e) });
    }
  });
  return { entries, errors };
}

async function hashName(salt: Uint8Array, name: string): Promise<Uint8Array> {
  return hmacSha1(salt, new TextEncoder().encode(name));
}

/** Whether the entry's host field names this host (hashed names compare HMACs; patterns follow match.c). */
export async function entryMatchesHost(entry: KnownHostEntry, host: string, port = 22): Promise<boolean> {
  const name = hostKeyName(host, port);
  if (entry.hashed) {
    const h = await hashName(entry.hashed.salt, name);
    return h.length === entry.hashed.hash.length && h.every((x, i) => x === entry.hashed!.hash[i]);
  }
  return matchPatternList(name, entry.hosts) === 1;
}

/** Entries naming this host (any marker). */
export async function entriesForHost(kh: KnownHosts, host: string, port = 22): Promise<KnownHostEntry[]> {
  const out: KnownHostEntry[] = [];
  for (const e of kh.entries) if (await entryMatchesHost(e, host, port)) out.push(e);
  return out;
}

export interface KnownHostLineOptions {
  host: string;
  port?: number;
  key: Uint8Array;
  /** Store the name hashed, as `HashKnownHosts yes` does. */
  hash?: boolean;
  comment?: string;
  marker?: KnownHostMarker;
}

/** One known_hosts line for "remember this host" (without the newline). */
export async function formatKnownHostsLine(o: KnownHostLineOptions): Promise<string> {
  const name = hostKeyName(o.host, o.port ?? 22);
  let hosts = name;
  if (o.hash) {
    const salt = randomBytes(20);
    hosts = `${HASH_MAGIC}${toBase64(salt)}|${toBase64(await hashName(salt, name))}`;
  }
  const parts = [...(o.marker ? [`@${o.marker}`] : []), hosts, publicKeyType(o.key), toBase64(o.key)];
  if (o.comment) parts.push(o.comment.replace(/[\r\n]+/g, ' '));
  return parts.join(' ');
}

/** Appends a line to a file's text, keeping exactly one newline between lines. */
export function appendKnownHostsLine(text: string, line: string): string {
  return text === '' || text.endsWith('\n') ? `${text}${line}\n` : `${text}\n${line}\n`;
}
