// The configuration schema: every key the relay understands, its type and range. Unknown
// keys are errors (a typo must not silently fall back to a default). Errors carry the path
// so config-file.ts can name the line.
import { DEFAULT_CONFIG, mergeConfig, type RelayConfig } from './config.ts';
import { listensOnLoopback, parseHostPort } from './public-hosts.ts';

type Schema =
  | { readonly type: 'string'; readonly enum?: readonly string[]; readonly nullable?: boolean }
  | { readonly type: 'int'; readonly min: number; readonly max: number }
  | { readonly type: 'bool' }
  | { readonly type: 'array'; readonly items: Schema }
  | { readonly type: 'object'; readonly props: Readonly<Record<string, Schema>>; readonly nullable?: boolean; readonly required?: readonly string[] }
  | { readonly type: 'json' };

const str: Schema = { type: 'string' };
const strOrNull: Schema = { type: 'string', nullable: true };
const strings: Schema = { type: 'array', items: str };
const int = (min: number, max: number): Schema => ({ type: 'int', min, max });
const ms: Schema = int(0, 365 * 24 * 3600 * 1000);

export const CONFIG_SCHEMA: Schema = {
  type: 'object',
  props: {
    listen: { type: 'object', props: { host: str, port: int(0, 65535) } },
    tls: { type: 'object', nullable: true, required: ['cert', 'key'], props: { cert: str, key: str, clientCa: strOrNull } },
    trustedProxies: strings,
    publicHosts: strings,
    origins: strings,
    targets: { type: 'object', props: { allow: strings, allowPrivate: strings } },
    auth: {
      type: 'object',
      required: ['mode'],
      props: {
        mode: { type: 'string', enum: ['none', 'bearer', 'jwt', 'mtls'] },
        tokens: { type: 'array', items: { type: 'object', required: ['subject'], props: { subject: str, token: str, sha256: str } } },
        jwks: strOrNull, issuer: strOrNull, audience: strOrNull, clockSkewSeconds: int(0, 3600),
      },
    },
    limits: {
      type: 'object',
      props: {
        perIp: int(0, 1_000_000), global: int(0, 10_000_000), idleTimeoutMs: ms, maxDurationMs: ms,
        maxFrameBytes: int(1024, 64 << 20), highWaterMark: int(4096, 64 << 20), connectTimeoutMs: int(1, 600_000),
        drainTimeoutMs: ms, pingIntervalMs: ms, bulkReadPauseMs: int(0, 100),
        perIpConnections: int(0, 10_000_000), maxConnections: int(0, 10_000_000), requestTimeoutMs: int(1000, 600_000),
      },
    },
    static: { type: 'object', props: { dir: strOrNull, csp: str } },
    site: { type: 'json' },
    metricsAllow: strings,
    revocation: { type: 'object', props: { allow: strings, maxBytes: int(1024, 256 << 20), timeoutMs: int(1, 600_000), maxCacheSeconds: int(0, 30 * 86_400), cacheBytes: int(0, 1 << 30), maxInFlight: int(1, 1024), sendBytes: int(1024, 1 << 30) } },
    log: { type: 'object', props: { level: { type: 'string', enum: ['debug', 'info', 'warn', 'error'] } } },
  },
};

export interface SchemaIssue {
  /** Keys from the root, e.g. ['limits', 'perIp']. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}

/** All schema violations in `value` (empty when valid). */
export function validateAgainstSchema(value: unknown, schema: Schema = CONFIG_SCHEMA, path: (string | number)[] = []): SchemaIssue[] {
  const at = path.join('.') || 'the configuration';
  switch (schema.type) {
    case 'json':
      return [];
    case 'string':
      if (value === null && schema.nullable) return [];
      if (typeof value !== 'string') return [{ path, message: `${at} must be a string, not ${describe(value)}.` }];
      if (schema.enum && !schema.enum.includes(value)) return [{ path, message: `${at} must be one of ${schema.enum.join(', ')}, not '${value}'.` }];
      return [];
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < schema.min || value > schema.max) {
        return [{ path, message: `${at} must be a whole number from ${schema.min} to ${schema.max}, not ${describe(value)}.` }];
      }
      return [];
    case 'bool':
      return typeof value === 'boolean' ? [] : [{ path, message: `${at} must be true or false, not ${describe(value)}.` }];
    case 'array':
      if (!Array.isArray(value)) return [{ path, message: `${at} must be a list, not ${describe(value)}.` }];
      return value.flatMap((item, i) => validateAgainstSchema(item, schema.items, [...path, i]));
    case 'object': {
      if (value === null && schema.nullable) return [];
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [{ path, message: `${at} must be an object, not ${describe(value)}.` }];
      const issues: SchemaIssue[] = [];
      const obj = value as Record<string, unknown>;
      for (const [k, v] of Object.entries(obj)) {
        const sub = schema.props[k];
        if (!sub) issues.push({ path: [...path, k], message: `Unknown setting '${[...path, k].join('.')}': known here are ${Object.keys(schema.props).join(', ')}.` });
        else issues.push(...validateAgainstSchema(v, sub, [...path, k]));
      }
      for (const k of schema.required ?? []) if (!(k in obj)) issues.push({ path, message: `${at} needs '${k}'.` });
      return issues;
    }
  }
}

/**
 * Why a revocation.allow prefix is unusable, or undefined. Requested URLs are compared with it in
 * their canonical form (revocation.ts), and a prefix ending in `/` admits everything below it: so a
 * prefix must name one http(s) host and be written canonically, or it either never matches or
 * (`http://`) makes the endpoint a fetch proxy for any host.
 */
function revocationPrefixProblem(prefix: string): string | undefined {
  let url: URL;
  try {
    url = new URL(prefix);
  } catch {
    return `must be an http or https URL with a host, such as 'http://crl.example.com/', not '${prefix.slice(0, 80)}'.`;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return `must be an http or https URL with a host, not '${prefix.slice(0, 80)}'.`;
  if (url.username || url.password || url.hash) return `must not carry credentials or a fragment: '${prefix.slice(0, 80)}'.`;
  if (url.href !== prefix) return `must be written as the relay compares URLs: '${url.href.slice(0, 80)}', not '${prefix.slice(0, 80)}'.`;
  return undefined;
}

/** Checks that span several settings (after defaults are applied). */
export function crossCheck(config: RelayConfig): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const { auth } = config;
  if (auth.mode === 'bearer' && auth.tokens.length === 0) issues.push({ path: ['auth', 'tokens'], message: "auth.mode 'bearer' needs at least one entry in auth.tokens." });
  auth.tokens.forEach((t, i) => {
    if ((t.token === undefined) === (t.sha256 === undefined)) issues.push({ path: ['auth', 'tokens', i], message: `auth.tokens.${i} needs exactly one of 'token' or 'sha256'.` });
    if (t.sha256 !== undefined && !/^[0-9a-f]{64}$/i.test(t.sha256)) issues.push({ path: ['auth', 'tokens', i, 'sha256'], message: `auth.tokens.${i}.sha256 must be 64 hex digits.` });
  });
  if (auth.mode === 'jwt' && !auth.jwks) issues.push({ path: ['auth', 'mode'], message: "auth.mode 'jwt' needs auth.jwks, the path of a JWKS file." });
  if (auth.mode === 'mtls' && !config.tls?.clientCa) issues.push({ path: ['auth', 'mode'], message: "auth.mode 'mtls' needs tls.clientCa, the CA that issues client certificates." });
  config.publicHosts.forEach((h, i) => {
    if (!parseHostPort(h)) issues.push({ path: ['publicHosts', i], message: `publicHosts.${i} must be HOST or HOST:PORT as in the page's URL (IPv6 as [ADDRESS]), not '${h.slice(0, 60)}'.` });
  });
  // Same origin by default: beyond loopback that needs the relay's own names (DNS rebinding, public-hosts.ts).
  if (config.origins.length === 0 && config.publicHosts.length === 0 && !listensOnLoopback(config.listen.host)) {
    issues.push({
      path: ['publicHosts'],
      message: `The relay listens on ${config.listen.host}, beyond loopback, and origins is empty (only its own page may open sessions), `
        + "so it needs its own names: set publicHosts to the host[:port] in the page's URL, e.g. [\"ssh.example.com\"], "
        + 'or list the pages allowed to use it in origins.',
    });
  }
  config.revocation.allow.forEach((prefix, i) => {
    const problem = revocationPrefixProblem(prefix);
    if (problem) issues.push({ path: ['revocation', 'allow', i], message: `revocation.allow.${i} ${problem}` });
  });
  if (config.limits.highWaterMark > config.limits.maxFrameBytes * 64) issues.push({ path: ['limits', 'highWaterMark'], message: 'limits.highWaterMark is unreasonably large compared to maxFrameBytes.' });
  return issues;
}

/** Applies defaults to a validated input. */
export function withDefaults(input: unknown): RelayConfig {
  const merged = mergeConfig(DEFAULT_CONFIG, input);
  const tls = merged.tls ? { ...merged.tls, clientCa: merged.tls.clientCa ?? null } : null;
  return { ...merged, tls };
}
