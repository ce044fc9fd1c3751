// The names the relay answers to. A browser's same-origin rule trusts names, not addresses: a
// page on http://attacker.example can re-point its own name at the relay (DNS rebinding) and then
// send requests whose Host and Origin both say attacker.example. So the relay never takes its own
// name from the request: it is configured (`publicHosts`) or, on loopback, the loopback names.
// A request for any other name is not meant for this relay: 421 (RFC 9110 §15.5.20).
import { isLoopback, normalizeIp } from './address.ts';
import type { RequestOrigin } from './client-address.ts';

export interface HostPort {
  /** Lower case; an IPv6 literal without brackets. */
  readonly hostname: string;
  /** null: the scheme's default port (RFC 9110 §4.2). */
  readonly port: number | null;
}

const NAME = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;

/** `host[:port]` as in a Host header (RFC 9110 §7.2), IPv6 in brackets; undefined when malformed. */
export function parseHostPort(text: string): HostPort | undefined {
  const m = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d{1,5}))?$/.exec(text.trim().toLowerCase());
  if (!m?.[1]) return undefined;
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && (port < 1 || port > 65535)) return undefined;
  if (m[1].startsWith('[')) {
    const ip = normalizeIp(m[1]);
    return ip?.family === 'ipv6' ? { hostname: ip.address, port } : undefined;
  }
  const name = m[1].endsWith('.') ? m[1].slice(0, -1) : m[1]; // an absolute name is the same name
  return NAME.test(name) ? { hostname: name, port } : undefined;
}

/** Whether the relay listens on loopback only (`listen.host`): 127.0.0.0/8, ::1 or localhost. */
export function listensOnLoopback(listenHost: string): boolean {
  return listenHost.toLowerCase() === 'localhost' || isLoopback(listenHost);
}

const defaultPort = (secure: boolean) => (secure ? 443 : 80);

export class PublicHosts {
  private readonly listed: readonly HostPort[];
  private readonly loopback: boolean;

  /**
   * @param publicHosts the configured names (validated by config-schema.ts).
   * @param listenHost `listen.host`; on loopback, with no names configured, the loopback names are the relay's.
   * @param port the port the relay listens on (known once it listens).
   */
  constructor(publicHosts: readonly string[], listenHost: string, private readonly port: () => number) {
    this.listed = publicHosts.map((h) => parseHostPort(h)).filter((h): h is HostPort => h !== undefined);
    this.loopback = this.listed.length === 0 && listensOnLoopback(listenHost);
    if (this.loopback) {
      const names = ['localhost', '127.0.0.1', '::1'];
      const own = normalizeIp(listenHost)?.address;
      if (own !== undefined && !names.includes(own)) names.push(own);
      this.listed = names.map((hostname) => ({ hostname, port: -1 })); // -1: the listening port
    }
  }

  /** Whether Host names are checked at all: with publicHosts, or on loopback. */
  get checked(): boolean {
    return this.listed.length > 0;
  }

  private matches(hostname: string, port: number | null, secure: boolean): boolean {
    const want = port ?? defaultPort(secure);
    return this.listed.some((h) => h.hostname === hostname && (h.port === -1 ? this.port() : h.port ?? defaultPort(secure)) === want);
  }

  /**
   * Whether a request is meant for this relay: its Host (or, from a trusted proxy, its
   * X-Forwarded-Host; see client-address.ts) is one of the relay's names. Always true when
   * names are not checked (a relay beyond loopback that lists its page origins instead).
   */
  admits(where: RequestOrigin): boolean {
    if (!this.checked) return true;
    const host = parseHostPort(where.host);
    return host !== undefined && this.matches(host.hostname, host.port, where.secure);
  }

  /** Whether `origin` (an Origin header, RFC 6454 §7) is the relay's own: its scheme, and one of its names. */
  ownsOrigin(origin: string, secure: boolean): boolean {
    if (!this.checked) return false;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (url.protocol !== (secure ? 'https:' : 'http:') || url.origin !== origin.toLowerCase().replace(/\/$/, '')) return false;
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    return this.matches(hostname, url.port === '' ? null : Number(url.port), secure);
  }
}
