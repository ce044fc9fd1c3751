// How a client names the TCP target in the WebSocket URL.
//
//   ws[s]://relay/ssh?host=HOST&port=PORT     (port defaults to 22)
//   ws[s]://relay/ssh?target=HOST:PORT        (IPv6 as [addr]:port)
//   ws[s]://relay/ssh/HOST/PORT
// websockify-compatible forms: the same query or path on `/` or `/websockify`, with the
// `binary` subprotocol (websockify's `base64` is not supported: SSH needs binary).
import { normalizeIp } from './address.ts';
import { normalizeHostname } from './allowlist.ts';
import { quoteClientText } from './close-reason.ts';
import { RelayError } from './errors.ts';

export interface TargetRequest {
  /** A normalised hostname, or an IP literal (IPv6 without brackets). */
  readonly host: string;
  readonly port: number;
}

/** The request paths that accept WebSocket upgrades. */
export const UPGRADE_PATHS = ['/ssh', '/websockify', '/'] as const;

function parsePort(text: string | null): number {
  if (text === null || text === '') return 22;
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new RelayError('BAD_TARGET', `The target port ${quoteClientText(text, 20)} is not a number from 1 to 65535.`);
  }
  return Number(text);
}

function parseHost(text: string): string {
  const ip = normalizeIp(text);
  if (ip) return ip.address;
  const name = normalizeHostname(text);
  if (!name) throw new RelayError('BAD_TARGET', `The target host ${quoteClientText(text, 40)} is not a valid host name or address.`);
  return name;
}

/** Parses the target from a request URL (path and query), or throws RelayError BAD_TARGET. */
export function parseTarget(requestUrl: string): TargetRequest {
  let url: URL;
  try {
    url = new URL(requestUrl, 'http://relay.invalid');
  } catch {
    throw new RelayError('BAD_TARGET', 'The request URL is malformed.');
  }
  let segments: string[];
  try {
    segments = url.pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  } catch {
    throw new RelayError('BAD_TARGET', 'The request path is not valid percent-encoding.');
  }
  const base = segments[0];
  if (base !== undefined && base !== 'ssh' && base !== 'websockify') {
    throw new RelayError('BAD_TARGET', `Unknown relay path ${quoteClientText(`/${base}`, 30)}: use /ssh?host=HOST&port=PORT.`);
  }
  if (segments.length > 1) {
    if (segments.length > 3) throw new RelayError('BAD_TARGET', 'Use /ssh/HOST/PORT: the path has too many parts.');
    return { host: parseHost(segments[1] ?? ''), port: parsePort(segments[2] ?? null) };
  }
  const target = url.searchParams.get('target');
  if (target !== null) {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(target);
    if (!m?.[1]) throw new RelayError('BAD_TARGET', 'The target must be HOST:PORT (IPv6 as [ADDRESS]:PORT).');
    return { host: parseHost(m[1]), port: parsePort(m[2] ?? null) };
  }
  const host = url.searchParams.get('host');
  if (host === null || host === '') {
    throw new RelayError('BAD_TARGET', 'No target: connect to /ssh?host=HOST&port=PORT.');
  }
  return { host: parseHost(host), port: parsePort(url.searchParams.get('port')) };
}

/** host:port for logs, IPv6 in brackets. */
export function formatTarget(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
