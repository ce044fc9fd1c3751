// The relay's plain HTTP side: /healthz, /metrics, /config.json, /revocation, and the
// built page. Every response carries the security headers (static.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CidrSet } from './address.ts';
import type { ClientAddressing } from './client-address.ts';
import { quoteClientText } from './close-reason.ts';
import type { RelayConfig } from './config.ts';
import type { PublicHosts } from './public-hosts.ts';
import type { RevocationFetcher } from './revocation.ts';
import { securityHeaders, serveStatic } from './static.ts';

export interface HttpContext {
  readonly config: RelayConfig;
  readonly addressing: ClientAddressing;
  readonly revocation: RevocationFetcher;
  readonly publicHosts: PublicHosts;
  /** Counts a request refused for naming another host (metrics). */
  misdirected(): void;
  isDraining(): boolean;
  metricsText(): string;
}

export function httpHandler(ctx: HttpContext): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const metricsAllow = new CidrSet();
  for (const c of ctx.config.metricsAllow) metricsAllow.add(c);
  const siteJson = JSON.stringify(ctx.config.site);
  const plain = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(`${text}\n`);
  };
  return async (req, res) => {
    const where = ctx.addressing.of(req);
    for (const [k, v] of Object.entries(securityHeaders({ csp: ctx.config.static.csp, tls: where.secure }))) res.setHeader(k, v);
    const path = (req.url ?? '/').split('?')[0];
    // /healthz answers any name: load balancers and probes often send an address or no Host at all.
    if (path !== '/healthz' && !ctx.publicHosts.admits(where)) {
      ctx.misdirected();
      plain(res, 421, misdirected(where.host));
      return;
    }
    switch (path) {
      case '/healthz':
        // 503 while draining, so load balancers stop sending new sessions here.
        plain(res, ctx.isDraining() ? 503 : 200, ctx.isDraining() ? 'draining' : 'ok');
        return;
      case '/metrics':
        if (!metricsAllow.has(where.ip)) { plain(res, 403, 'Metrics are not available to your address.'); return; }
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control': 'no-store' });
        res.end(ctx.metricsText());
        return;
      case '/config.json':
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' });
        res.end(siteJson);
        return;
      case '/revocation':
        await ctx.revocation.handle(req, res);
        return;
    }
    if (ctx.config.static.dir !== null && await serveStatic(ctx.config.static.dir, req, res)) return;
    plain(res, 404, 'Not found.');
  };
}

/** The 421 text (RFC 9110 §15.5.20): for the operator who reached the relay by an unlisted name. */
export function misdirected(host: string): string {
  return `This relay does not answer to the name ${quoteClientText(host, 80)}: its operator lists the names it answers to in publicHosts.`;
}
