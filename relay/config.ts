// The relay's configuration: its shape and defaults. config-schema.ts validates a file
// against this shape; config-file.ts loads JSON or YAML. The server consumes RelayConfig.
import { DEFAULT_CSP } from './static.ts';

export interface RelayLimits {
  /** Concurrent sessions per client: per IPv4 address, per IPv6 /64 (client-key.ts) (0: unlimited). */
  readonly perIp: number;
  /** Concurrent sessions on this relay (0: unlimited). */
  readonly global: number;
  /** Close a session after this long with no data either way (0: never). */
  readonly idleTimeoutMs: number;
  /** Close a session after this long in total (0: never). */
  readonly maxDurationMs: number;
  /** Largest WebSocket message accepted from a client; larger ones close with 1009. */
  readonly maxFrameBytes: number;
  /** Bytes buffered towards a client before the TCP side is paused. */
  readonly highWaterMark: number;
  readonly connectTimeoutMs: number;
  /** On shutdown, how long sessions may go on before they are closed with 1001. */
  readonly drainTimeoutMs: number;
  /** WebSocket ping interval; a client that misses a pong is dropped (0: no pings). */
  readonly pingIntervalMs: number;
  /**
   * While a target streams bulk output, pause this long after each frame so that the next read takes more
   * bytes: fewer, larger frames (read-pacing.ts). Interactive traffic never waits. 0: off.
   */
  readonly bulkReadPauseMs: number;
  /**
   * TCP connections one client (as for perIp) may hold open at once: page loads, upgrades and
   * sessions alike; more are closed as they arrive (connection-gate.ts). Never below perIp + 16.
   * Connections from trusted proxies are not limited here. 0: unlimited.
   */
  readonly perIpConnections: number;
  /** TCP connections the relay holds open in all; more are closed as they arrive. Never below global + 1024. 0: unlimited. */
  readonly maxConnections: number;
  /** Time a client has to send a whole request (headers and body, or the WebSocket upgrade) and for a TLS handshake; then 408 and close. */
  readonly requestTimeoutMs: number;
}

export interface BearerToken {
  /** Who this token is, for the audit log. */
  readonly subject: string;
  /** The token itself, or (better) its SHA-256 in hex as `sha256`. */
  readonly token?: string;
  readonly sha256?: string;
}

export interface AuthConfig {
  /** none; bearer (static tokens); jwt (signed by a key in the JWKS file); mtls (client certificate). */
  readonly mode: 'none' | 'bearer' | 'jwt' | 'mtls';
  readonly tokens: readonly BearerToken[];
  /** Path of a JWKS file (RFC 7517 §5). */
  readonly jwks: string | null;
  readonly issuer: string | null;
  readonly audience: string | null;
  /** Allowed clock difference for exp/nbf, in seconds. */
  readonly clockSkewSeconds: number;
}

export interface RelayConfig {
  readonly listen: { readonly host: string; readonly port: number };
  /** TLS served by the relay itself (PEM file paths); clientCa turns on client certificates. */
  readonly tls: { readonly cert: string; readonly key: string; readonly clientCa: string | null } | null;
  /** Reverse proxies (CIDRs) whose X-Forwarded-For / -Proto / -Host headers are believed. */
  readonly trustedProxies: readonly string[];
  /**
   * The names (`host[:port]`, as in the page's URL) the relay answers to. When set, a request for
   * any other Host (or X-Forwarded-Host from a trusted proxy) gets 421, and with `origins` empty
   * only pages on these names may open sessions. Empty: on loopback, localhost, 127.0.0.1 and
   * [::1] with the listening port; beyond loopback, required unless `origins` lists the pages.
   * Never derived from the request, which DNS rebinding controls (public-hosts.ts).
   */
  readonly publicHosts: readonly string[];
  /** Allowed page origins (`https://ssh.example.com`); empty: the relay's own (publicHosts) only; `*`: any. */
  readonly origins: readonly string[];
  readonly targets: {
    /** HOST:PORTS rules, see allowlist.ts. */
    readonly allow: readonly string[];
    /** Private/loopback/link-local CIDRs that name rules may resolve into. */
    readonly allowPrivate: readonly string[];
  };
  readonly auth: AuthConfig;
  readonly limits: RelayLimits;
  readonly static: {
    /** The built page's directory, or null to serve no page. */
    readonly dir: string | null;
    readonly csp: string;
  };
  /** Served as /config.json: the site policy the page reads (opaque to the relay). */
  readonly site: Readonly<Record<string, unknown>>;
  /** Client addresses (CIDRs) allowed to read /metrics. */
  readonly metricsAllow: readonly string[];
  readonly revocation: {
    /** URL prefixes the relay may fetch: the CRL distribution points and OCSP responders of the configured CAs. */
    readonly allow: readonly string[];
    readonly maxBytes: number;
    readonly timeoutMs: number;
    /** Upper bound on caching, even when nextUpdate is later. */
    readonly maxCacheSeconds: number;
    /** Total bytes of answers cached (oldest evicted first; 0: no cache). */
    readonly cacheBytes: number;
    /** Upstream fetches running at once; more get 503 (requests for a URL being fetched wait for it instead). */
    readonly maxInFlight: number;
    /**
     * Bytes of distinct answers being written to clients at once (one answer sent to many counts
     * once); beyond, 503. A client that takes nothing for limits.requestTimeoutMs is dropped.
     */
    readonly sendBytes: number;
  };
  readonly log: { readonly level: 'debug' | 'info' | 'warn' | 'error' };
}

export const DEFAULT_CONFIG: RelayConfig = {
  listen: { host: '127.0.0.1', port: 8080 },
  tls: null,
  trustedProxies: [],
  publicHosts: [],
  origins: [],
  targets: { allow: ['localhost:22'], allowPrivate: [] },
  auth: { mode: 'none', tokens: [], jwks: null, issuer: null, audience: null, clockSkewSeconds: 60 },
  limits: {
    perIp: 64,
    global: 10_000,
    idleTimeoutMs: 0,
    maxDurationMs: 0,
    maxFrameBytes: 1 << 20,
    highWaterMark: 256 * 1024,
    connectTimeoutMs: 10_000,
    drainTimeoutMs: 10_000,
    pingIntervalMs: 30_000,
    bulkReadPauseMs: 1,
    perIpConnections: 256,
    maxConnections: 30_000,
    requestTimeoutMs: 20_000,
  },
  static: { dir: 'dist', csp: DEFAULT_CSP },
  site: {},
  metricsAllow: ['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
  revocation: { allow: [], maxBytes: 10 << 20, timeoutMs: 10_000, maxCacheSeconds: 86_400, cacheBytes: 64 << 20, maxInFlight: 16, sendBytes: 64 << 20 },
  log: { level: 'info' },
};

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[] ? T[K]
    : NonNullable<T[K]> extends object ? DeepPartial<NonNullable<T[K]>> | (null extends T[K] ? null : never)
    : T[K];
};
export type RelayConfigInput = DeepPartial<RelayConfig>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `base` overridden by `over`, object by object; arrays and scalars replace. */
export function mergeConfig<T>(base: T, over: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(over)) return (over === undefined ? base : over) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) if (v !== undefined) out[k] = mergeConfig((base as Record<string, unknown>)[k], v);
  return out as T;
}
