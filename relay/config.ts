// The relay's configuration: its shape and defaults. Loading and validating a file is in
// config-file.ts; this module is what the server consumes.
import { DEFAULT_CSP } from './static.ts';

export interface RelayLimits {
  /** Concurrent sessions per client address (0: unlimited). */
  readonly perIp: number;
  /** Concurrent sessions on this relay (0: unlimited). */
  readonly global: number;
  readonly idleTimeoutMs: number;
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
}

export interface RelayConfig {
  readonly listen: { readonly host: string; readonly port: number };
  readonly targets: {
    /** HOST:PORTS rules, see allowlist.ts. */
    readonly allow: readonly string[];
    /** Private/loopback/link-local CIDRs that name rules may resolve into. */
    readonly allowPrivate: readonly string[];
  };
  readonly limits: RelayLimits;
  readonly static: {
    /** The built page's directory, or null to serve no page. */
    readonly dir: string | null;
    readonly csp: string;
  };
}

export const DEFAULT_CONFIG: RelayConfig = {
  listen: { host: '127.0.0.1', port: 8080 },
  targets: { allow: ['localhost:22'], allowPrivate: [] },
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
  },
  static: { dir: 'dist', csp: DEFAULT_CSP },
};

type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object | null ? DeepPartial<NonNullable<T[K]>> | (null extends T[K] ? null : never) : T[K] };
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
