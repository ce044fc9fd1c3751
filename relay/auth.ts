// Who is connecting. Credentials come from (in order): the Authorization header
// (`Bearer TOKEN`, for non-browser clients), the subprotocol `tessera.bearer.TOKEN` (browsers
// cannot set headers on a WebSocket; offer it together with `tessera.v1` or `binary`), or
// the `access_token` query parameter. mTLS uses the verified client certificate instead.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { RelayConfig } from './config.ts';
import { RelayError } from './errors.ts';
import { JwksKeys } from './jwt.ts';

export const BEARER_PROTOCOL_PREFIX = 'tessera.bearer.';

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The bearer token of a request, or undefined. */
export function extractToken(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (m?.[1]) return m[1];
  }
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
  const proto = offered.find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
  if (proto) return proto.slice(BEARER_PROTOCOL_PREFIX.length);
  return url.searchParams.get('access_token') ?? undefined;
}

export class Authenticator {
  private constructor(private readonly config: RelayConfig, private readonly jwks: JwksKeys | null,
    private readonly digests: ReadonlyArray<{ subject: string; digest: Buffer }>) {}

  static async create(config: RelayConfig): Promise<Authenticator> {
    const jwks = config.auth.mode === 'jwt' && config.auth.jwks ? await JwksKeys.fromFile(config.auth.jwks) : null;
    const digests = config.auth.tokens.map((t) => ({
      subject: t.subject,
      digest: t.sha256 !== undefined ? Buffer.from(t.sha256, 'hex') : sha256(t.token ?? ''),
    }));
    return new Authenticator(config, jwks, digests);
  }

  /** The authenticated subject (null for mode none), or throws RelayError AUTH_REQUIRED / AUTH_INVALID. */
  authenticate(req: IncomingMessage, url: URL): string | null {
    const { auth } = this.config;
    switch (auth.mode) {
      case 'none':
        return null;
      case 'mtls': {
        const socket = req.socket as Partial<TLSSocket>;
        const cert = socket.getPeerCertificate?.();
        if (!cert || Object.keys(cert).length === 0) throw new RelayError('AUTH_REQUIRED', 'A client certificate is required.');
        if (!socket.authorized) throw new RelayError('AUTH_INVALID', `The client certificate was refused (${String(socket.authorizationError ?? 'untrusted')}).`);
        const cn = cert.subject?.CN;
        return `cert:${Array.isArray(cn) ? cn.join(',') : cn ?? cert.fingerprint256}`;
      }
      case 'bearer': {
        const token = extractToken(req, url);
        if (token === undefined) throw new RelayError('AUTH_REQUIRED', 'An access token is required.');
        const digest = sha256(token);
        // Compare every entry in constant time, so timing tells nothing about near matches.
        let subject: string | undefined;
        for (const t of this.digests) if (timingSafeEqual(t.digest, digest)) subject ??= t.subject;
        if (subject === undefined) throw new RelayError('AUTH_INVALID', 'The access token was refused.');
        return subject;
      }
      case 'jwt': {
        const token = extractToken(req, url);
        if (token === undefined) throw new RelayError('AUTH_REQUIRED', 'An access token is required.');
        if (!this.jwks) throw new RelayError('AUTH_INVALID', 'The relay has no JWKS to check tokens with.');
        const claims = this.jwks.verify(token, { issuer: auth.issuer, audience: auth.audience, skewSeconds: auth.clockSkewSeconds });
        return typeof claims.sub === 'string' ? claims.sub : 'jwt:unknown-subject';
      }
    }
  }
}
