// The site and kiosk policy: a JSON document the relay serves as /config.json (or bundled in
// the Isolated Web App). Everything is validated; a malformed document is a typed error that
// names the field, never a silently weaker policy.
import { WebError } from '../errors.ts';
import { relayRevocationUrl } from '../net/revocation-fetch.ts';

export type Mode = 'personal' | 'kiosk';
export type RevocationMode = 'off' | 'prefer' | 'require';

export interface SiteConfig {
  /** personal: profiles and remembered hosts persist; kiosk: nothing persists, no trust on first use. */
  readonly mode: Mode;
  /** The WebSocket relay base, e.g. wss://relay.example.com/ssh. Default: this origin's /ssh. */
  readonly relayUrl: string;
  /** Hosts the page may connect to ("*" for any; "*.example.com" wildcards). Empty: any. */
  readonly allowedHosts: readonly string[];
  /** PEM trust anchors for card certificates and x509v3 host keys. */
  readonly trustAnchors: readonly string[];
  readonly revocation: RevocationMode;
  /** The relay's CRL/OCSP fetch endpoint (relay/revocation.ts). Default: /revocation on the relay's origin. */
  readonly revocationUrl: string;
  /** Admin-provisioned known_hosts lines (OpenSSH format, including @cert-authority). */
  readonly knownHosts: readonly string[];
  /** Whether an unknown host key may be accepted after an explicit prompt (never in kiosk mode). */
  readonly trustOnFirstUse: boolean;
  /** Kiosk: clear the page after this many seconds without input (0 disables). */
  readonly idleTimeoutSeconds: number;
  /**
   * ssh_config(5) ServerAliveInterval: keepalive@openssh.com after this many seconds without a word from the server,
   * and the session ends after serverAliveCountMax unanswered ones (0 disables, the default, as OpenSSH).
   */
  readonly serverAliveIntervalSeconds: number;
  readonly serverAliveCountMax: number;
  /** Prefill for the connection form. */
  readonly defaultHost?: string;
  readonly defaultPort?: number;
  readonly defaultUser?: string;
  /** Demo only: the demo's virtual reader (reached through the relay at 127.0.0.1:port) and the test password. */
  readonly demo?: { readonly virtualReaderPort?: number; readonly password?: string };
}

function fail(field: string, what: string): never {
  throw new WebError('CONFIG_INVALID', `The site configuration is invalid: '${field}' ${what}. Ask the administrator to fix /config.json.`);
}

function stringList(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) fail(field, 'must be a list of strings');
  return value as string[];
}

/**
 * The longest idle timeout a browser timer can wait: setTimeout's delay is a WebIDL long (HTML §8.6
 * timers), so more than 2^31 - 1 ms wraps and fires at once, and the kiosk would clear on every key.
 */
export const MAX_IDLE_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** The default relay: the /ssh endpoint on the page's own origin. */
export function defaultRelayUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ssh`;
}

/** The fields a site policy may carry. Any other is an error: a misspelt "revocaton": "require" must not leave the default. */
const KNOWN_FIELDS = new Set(['mode', 'relayUrl', 'allowedHosts', 'trustAnchors', 'revocation', 'revocationUrl', 'knownHosts', 'trustOnFirstUse', 'idleTimeoutSeconds', 'serverAliveIntervalSeconds', 'serverAliveCountMax', 'defaultHost', 'defaultPort', 'defaultUser', 'demo']);
const KNOWN_DEMO_FIELDS = new Set(['virtualReaderPort', 'password']);

function unknownField(o: Record<string, unknown>, known: ReadonlySet<string>, prefix: string): void {
  const extra = Object.keys(o).find((k) => !known.has(k));
  if (extra !== undefined) fail(`${prefix}${extra}`, 'is not a known setting (check its spelling)');
}

function optional<T>(value: unknown, field: string, ok: (v: unknown) => v is T, what: string): T | undefined {
  if (value === undefined) return undefined;
  if (!ok(value)) fail(field, what);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isPort = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;

/** Validates a parsed /config.json. Unknown fields and wrong types are errors (fail closed). */
export function parseSiteConfig(raw: unknown, location: { protocol: string; host: string }): SiteConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('(root)', 'must be a JSON object');
  const o = raw as Record<string, unknown>;
  unknownField(o, KNOWN_FIELDS, '');
  const mode = o['mode'] ?? 'personal';
  if (mode !== 'personal' && mode !== 'kiosk') fail('mode', 'must be "personal" or "kiosk"');
  const relayUrl = o['relayUrl'] ?? defaultRelayUrl(location);
  if (typeof relayUrl !== 'string' || !/^wss?:\/\//.test(relayUrl)) fail('relayUrl', 'must be a ws:// or wss:// URL');
  // A page served over https may not open ws:// (Mixed Content, W3C, §4.3 "blockable"): say so now, not at Connect.
  if (location.protocol === 'https:' && !relayUrl.startsWith('wss://')) fail('relayUrl', 'must be a wss:// URL on a page served over https');
  const revocation = o['revocation'] ?? 'prefer';
  if (revocation !== 'off' && revocation !== 'prefer' && revocation !== 'require') fail('revocation', 'must be "off", "prefer" or "require"');
  let revocationUrl = o['revocationUrl'];
  if (revocationUrl === undefined) {
    try { revocationUrl = relayRevocationUrl(relayUrl); } catch { fail('relayUrl', 'must be a ws:// or wss:// URL'); }
  }
  if (typeof revocationUrl !== 'string' || !/^https?:\/\//.test(revocationUrl)) fail('revocationUrl', 'must be an http:// or https:// URL');
  const tofu = o['trustOnFirstUse'] ?? mode === 'personal';
  if (typeof tofu !== 'boolean') fail('trustOnFirstUse', 'must be true or false');
  const idle = o['idleTimeoutSeconds'] ?? (mode === 'kiosk' ? 300 : 0);
  if (typeof idle !== 'number' || !Number.isInteger(idle) || idle < 0) fail('idleTimeoutSeconds', 'must be a whole number of seconds');
  if (idle > MAX_IDLE_TIMEOUT_SECONDS) fail('idleTimeoutSeconds', `must be at most ${MAX_IDLE_TIMEOUT_SECONDS} (about 24 days; 0 turns it off)`);
  const alive = o['serverAliveIntervalSeconds'] ?? 0;
  if (typeof alive !== 'number' || !Number.isInteger(alive) || alive < 0 || alive > MAX_IDLE_TIMEOUT_SECONDS) {
    fail('serverAliveIntervalSeconds', `must be a whole number of seconds from 0 (off) to ${MAX_IDLE_TIMEOUT_SECONDS}`);
  }
  const aliveMax = o['serverAliveCountMax'] ?? 3;
  if (typeof aliveMax !== 'number' || !Number.isInteger(aliveMax) || aliveMax < 1 || aliveMax > 1000) fail('serverAliveCountMax', 'must be a whole number from 1 to 1000');
  const config: {
    -readonly [K in keyof SiteConfig]: SiteConfig[K];
  } = {
    mode,
    relayUrl,
    allowedHosts: stringList(o['allowedHosts'], 'allowedHosts'),
    trustAnchors: stringList(o['trustAnchors'], 'trustAnchors'),
    revocation,
    revocationUrl,
    knownHosts: stringList(o['knownHosts'], 'knownHosts'),
    // Kiosk policy: no trust on first use, whatever the document says (ARCHITECTURE.md, fail closed).
    trustOnFirstUse: mode === 'kiosk' ? false : tofu,
    idleTimeoutSeconds: idle,
    serverAliveIntervalSeconds: alive,
    serverAliveCountMax: aliveMax,
  };
  const defaultHost = optional(o['defaultHost'], 'defaultHost', isString, 'must be a string');
  const defaultPort = optional(o['defaultPort'], 'defaultPort', isPort, 'must be a port number from 1 to 65535');
  const defaultUser = optional(o['defaultUser'], 'defaultUser', isString, 'must be a string');
  if (defaultHost !== undefined) config.defaultHost = defaultHost;
  if (defaultPort !== undefined) config.defaultPort = defaultPort;
  if (defaultUser !== undefined) config.defaultUser = defaultUser;
  const demo = o['demo'];
  if (demo !== undefined) {
    if (typeof demo !== 'object' || demo === null || Array.isArray(demo)) fail('demo', 'must be an object');
    const d = demo as Record<string, unknown>;
    unknownField(d, KNOWN_DEMO_FIELDS, 'demo.');
    const port = optional(d['virtualReaderPort'], 'demo.virtualReaderPort', isPort, 'must be a port number from 1 to 65535');
    const password = optional(d['password'], 'demo.password', isString, 'must be a string');
    config.demo = { ...(port !== undefined ? { virtualReaderPort: port } : {}), ...(password !== undefined ? { password } : {}) };
  }
  return config;
}

/** Whether `host` is allowed by the site's list (case-insensitive; "*.example.com" matches subdomains). */
export function hostAllowed(config: SiteConfig, host: string): boolean {
  if (config.allowedHosts.length === 0) return true;
  const h = host.toLowerCase();
  return config.allowedHosts.some((pattern) => {
    const p = pattern.toLowerCase();
    if (p === '*') return true;
    if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
    return h === p;
  });
}

/**
 * Fetches /config.json; a missing file (404) means the defaults, a malformed one is an error. A failed
 * fetch is an error too: it says nothing about the policy, and the defaults (personal mode, trust on
 * first use, IndexedDB) would turn a kiosk whose request failed into a personal page.
 */
export async function loadSiteConfig(fetcher: typeof fetch, location: { protocol: string; host: string }): Promise<SiteConfig> {
  let response: Response;
  try {
    response = await fetcher('/config.json', { cache: 'no-cache' });
  } catch (err) {
    throw new WebError('CONFIG_UNAVAILABLE', 'The site configuration could not be loaded (network error). Check the connection and reload the page.', { cause: err });
  }
  if (response.status === 404) return parseSiteConfig({}, location);
  if (!response.ok) throw new WebError('CONFIG_UNAVAILABLE', `The site configuration could not be loaded (HTTP ${response.status}). Reload the page.`);
  let raw: unknown;
  try {
    raw = await response.json();
  } catch {
    throw new WebError('CONFIG_INVALID', 'The site configuration is not valid JSON. Ask the administrator to fix /config.json.');
  }
  return parseSiteConfig(raw, location);
}
