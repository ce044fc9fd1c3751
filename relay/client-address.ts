// Where a request comes from, and whether its page's origin may use the relay.
// X-Forwarded-* headers are believed only from the configured reverse proxies.
import type { IncomingMessage } from 'node:http';
import { CidrSet, normalizeIp } from './address.ts';
import { quoteClientText } from './close-reason.ts';
import { RelayError } from './errors.ts';
import type { PublicHosts } from './public-hosts.ts';

export interface RequestOrigin {
  /** The client's address: the socket peer, or the first untrusted hop of X-Forwarded-For. */
  readonly ip: string;
  /** Whether the client reached the relay (or its trusted proxy) over TLS. */
  readonly secure: boolean;
  /** The Host the client asked for. */
  readonly host: string;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

export class ClientAddressing {
  private readonly proxies = new CidrSet();

  constructor(trustedProxies: readonly string[], private readonly tls: boolean) {
    for (const p of trustedProxies) this.proxies.add(p);
  }

  of(req: IncomingMessage): RequestOrigin {
    const peer = normalizeIp(req.socket.remoteAddress ?? '')?.address ?? 'unknown';
    const host = req.headers.host ?? '';
    if (!this.proxies.has(peer)) return { ip: peer, secure: this.tls, host };
    // Walk X-Forwarded-For from the right: skip our own proxies; the first other hop is the client.
    const hops = (req.headers['x-forwarded-for'] ?? '').toString().split(',').map((s) => s.trim()).filter(Boolean);
    let ip = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = normalizeIp(hops[i] ?? '')?.address;
      if (!hop) break;
      ip = hop;
      if (!this.proxies.has(hop)) break;
    }
    const proto = header(req, 'x-forwarded-proto')?.split(',')[0]?.trim();
    const fwdHost = header(req, 'x-forwarded-host')?.split(',')[0]?.trim();
    return { ip, secure: proto ? proto === 'https' : this.tls, host: fwdHost || host };
  }
}

/**
 * Cross-site WebSocket hijacking guard: a browser always sends Origin on a WebSocket
 * handshake (RFC 6455 §4.1, item 8). Allowed: listed origins, `*`, or (with an empty list)
 * the relay's own origin: one of its configured names (public-hosts.ts), never the request's
 * Host, which a DNS-rebound page chooses. Requests without Origin come from non-browser clients and pass.
 */
export function checkOrigin(req: IncomingMessage, where: RequestOrigin, allowed: readonly string[], own: PublicHosts): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  if (allowed.includes('*') || allowed.includes(origin)) return;
  if (allowed.length === 0 && own.ownsOrigin(origin, where.secure)) return;
  throw new RelayError('ORIGIN_FORBIDDEN', `Pages from ${quoteClientText(origin, 60)} may not use this relay.`);
}
