// The revocation fetch endpoint. Browsers cannot fetch plain-HTTP, no-CORS CRL and OCSP
// URLs (mixed content, CORS), so the page asks the relay:
//   GET  /revocation?url=<CRL URL or OCSP GET URL (RFC 6960 §A.1)>
//   POST /revocation?url=<OCSP responder URL>   body: application/ocsp-request
// Only URLs under a configured prefix are fetched (the CAs' CRL distribution points and
// OCSP responders), responses are size-limited, and cached until their nextUpdate
// (CRL: RFC 5280 §5.1.2.5; OCSP: RFC 6960 §4.2.1), capped by maxCacheSeconds.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AsnConvert } from '@peculiar/asn1-schema';
import { BasicOCSPResponse, OCSPResponse } from '@peculiar/asn1-ocsp';
import { CertificateList } from '@peculiar/asn1-x509';
import type { RelayConfig } from './config.ts';
import type { Logger } from './log.ts';
import type { RelayMetrics } from './metrics.ts';

const MAX_OCSP_REQUEST = 64 * 1024;
const MAX_CACHE_ENTRIES = 1024;

interface Cached { readonly body: Buffer; readonly type: string; readonly expires: number }

/** When a CRL or OCSP response stops being current, or undefined when it does not say. */
export function nextUpdateOf(body: Uint8Array, kind: 'crl' | 'ocsp'): Date | undefined {
  try {
    if (kind === 'crl') return AsnConvert.parse(body, CertificateList).tbsCertList.nextUpdate?.getTime();
    const response = AsnConvert.parse(body, OCSPResponse);
    if (!response.responseBytes) return undefined;
    const basic = AsnConvert.parse(response.responseBytes.response.buffer, BasicOCSPResponse);
    const all = basic.tbsResponseData.responses;
    const times = all.map((r) => r.nextUpdate?.getTime()).filter((t): t is number => t !== undefined);
    // Any single response without nextUpdate makes the whole answer uncacheable.
    return times.length === all.length && times.length > 0 ? new Date(Math.min(...times)) : undefined;
  } catch {
    return undefined;
  }
}

export class RevocationFetcher {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly config: RelayConfig['revocation'], private readonly log: Logger, private readonly metrics: RelayMetrics) {}

  allowed(url: string): boolean {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
    if (parsed.username || parsed.password) return false;
    return this.config.allow.some((prefix) => parsed.href === prefix || (prefix.endsWith('/') && parsed.href.startsWith(prefix)));
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, text: string) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(`${text}\n`);
    };
    const url = new URL(req.url ?? '/', 'http://relay.invalid').searchParams.get('url') ?? '';
    if (req.method !== 'GET' && req.method !== 'POST') { send(405, 'Use GET for a CRL or OCSP GET, POST for an OCSP request.'); return; }
    if (!this.allowed(url)) {
      this.metrics.revocationFetch('refused');
      this.log.warn('revocation-refused', { url: url.slice(0, 300) });
      send(403, 'This URL is not a configured CRL distribution point or OCSP responder.');
      return;
    }
    let body: Buffer | undefined;
    if (req.method === 'POST') {
      body = await readLimited(req, MAX_OCSP_REQUEST).catch(() => undefined);
      if (!body) { send(413, `An OCSP request may be at most ${MAX_OCSP_REQUEST} bytes.`); return; }
    }
    const kind = req.method === 'POST' || /ocsp/i.test(url) ? 'ocsp' : 'crl';
    const key = `${req.method} ${url} ${body ? createHash('sha256').update(body).digest('hex') : ''}`;
    const hit = this.cache.get(key);
    if (hit && hit.expires > Date.now()) {
      this.metrics.revocationFetch('cached');
      this.reply(res, hit);
      return;
    }
    try {
      const upstream = await fetch(url, {
        method: req.method,
        redirect: 'manual', // a redirect could leave the allowlist
        signal: AbortSignal.timeout(this.config.timeoutMs),
        ...(body ? { body: new Uint8Array(body), headers: { 'Content-Type': 'application/ocsp-request' } } : {}),
      });
      if (upstream.status !== 200 || !upstream.body) throw new Error(`the server answered ${upstream.status}`);
      const data = await readLimited(upstream.body as unknown as AsyncIterable<Uint8Array>, this.config.maxBytes);
      const type = upstream.headers.get('content-type') ?? (kind === 'crl' ? 'application/pkix-crl' : 'application/ocsp-response');
      const next = nextUpdateOf(data, kind);
      const cap = Date.now() + this.config.maxCacheSeconds * 1000;
      const entry: Cached = { body: data, type, expires: next ? Math.min(next.getTime(), cap) : 0 };
      if (entry.expires > Date.now()) {
        if (this.cache.size >= MAX_CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
        this.cache.set(key, entry);
      }
      this.metrics.revocationFetch('fetched');
      this.log.info('revocation-fetched', { url: url.slice(0, 300), bytes: data.length, nextUpdate: next?.toISOString() ?? null });
      this.reply(res, entry);
    } catch (err) {
      this.metrics.revocationFetch('failed');
      const why = err instanceof Error ? err.message : String(err);
      this.log.warn('revocation-failed', { url: url.slice(0, 300), error: why.slice(0, 200) });
      send(502, `The relay could not fetch ${url.slice(0, 200)}: ${why.slice(0, 200)}.`);
    }
  }

  private reply(res: ServerResponse, entry: Cached): void {
    const maxAge = Math.max(0, Math.floor((entry.expires - Date.now()) / 1000));
    res.writeHead(200, { 'Content-Type': entry.type, 'Content-Length': entry.body.length, 'Cache-Control': `max-age=${maxAge}` });
    res.end(entry.body);
  }
}

/** Reads a stream fully, failing as soon as it exceeds `max` bytes. */
async function readLimited(stream: AsyncIterable<Uint8Array>, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.length;
    if (total > max) throw new Error(`the response is larger than ${max} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}
