// The revocation fetch endpoint. Browsers cannot fetch plain-HTTP, no-CORS CRL and OCSP
// URLs (mixed content, CORS), so the page asks the relay:
//   GET  /revocation?url=<CRL URL or OCSP GET URL (RFC 6960 §A.1)>
//   POST /revocation?url=<OCSP responder URL>   body: application/ocsp-request
// Only URLs under a configured prefix are fetched (the CAs' CRL distribution points and
// OCSP responders), responses are size-limited, and cached until their nextUpdate
// (CRL: RFC 5280 §5.1.2.5; OCSP: RFC 6960 §4.2.1), capped by maxCacheSeconds.
// Anyone may call this endpoint, so what it holds is bounded: the cache by total bytes
// (revocation-cache.ts), keyed on the canonical URL (a fragment is refused: it is never sent
// upstream, so `#1`, `#2`... would be copies of one answer); concurrent requests for one URL
// share one fetch, and at most `maxInFlight` fetches run at once (503 above that). Answers being
// written to clients are bounded too (send-budget.ts): in bytes, and in time for a client that
// takes nothing.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { finished } from 'node:stream';
import { AsnConvert } from '@peculiar/asn1-schema';
import { BasicOCSPResponse, OCSPResponse } from '@peculiar/asn1-ocsp';
import { CertificateList } from '@peculiar/asn1-x509';
import type { RelayConfig } from './config.ts';
import type { Logger } from './log.ts';
import type { RelayMetrics } from './metrics.ts';
import { RevocationCache, type CachedAnswer } from './revocation-cache.ts';
import { SendBudget } from './send-budget.ts';

const MAX_OCSP_REQUEST = 64 * 1024;

/** The media types of the answers: RFC 2585 §4.2 (CRL), RFC 6960 Appendix C.2 (OCSP response). */
const ANSWER_TYPE = { crl: 'application/pkix-crl', ocsp: 'application/ocsp-response' } as const;

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
  private readonly cache: RevocationCache;
  /** Fetches running now, by cache key: later requests for the same key wait for the same answer. */
  private readonly inFlight = new Map<string, Promise<CachedAnswer>>();
  private readonly sending: SendBudget;

  /** @param sendTimeoutMs how long a client may take nothing of its answer before it is dropped. */
  constructor(private readonly config: RelayConfig['revocation'], private readonly log: Logger, private readonly metrics: RelayMetrics,
    private readonly sendTimeoutMs: number) {
    this.cache = new RevocationCache(config.cacheBytes);
    this.sending = new SendBudget(config.sendBytes, config.maxBytes);
  }

  /** Whether a parsed URL lies under a configured prefix (compared on its canonical href). */
  allowed(parsed: URL): boolean {
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
    if (parsed.username || parsed.password || parsed.hash) return false;
    return this.config.allow.some((prefix) => parsed.href === prefix || (prefix.endsWith('/') && parsed.href.startsWith(prefix)));
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, text: string) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(`${text}\n`);
    };
    const raw = new URL(req.url ?? '/', 'http://relay.invalid').searchParams.get('url') ?? '';
    if (req.method !== 'GET' && req.method !== 'POST') { send(405, 'Use GET for a CRL or OCSP GET, POST for an OCSP request.'); return; }
    if (raw.includes('#')) {
      this.metrics.revocationFetch('refused');
      send(400, 'A CRL or OCSP URL has no fragment (#).');
      return;
    }
    let parsed: URL | undefined;
    try {
      parsed = new URL(raw);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !this.allowed(parsed)) {
      this.metrics.revocationFetch('refused');
      this.log.warn('revocation-refused', { url: raw.slice(0, 300) });
      send(403, 'This URL is not a configured CRL distribution point or OCSP responder.');
      return;
    }
    const url = parsed.href; // canonical: scheme and host in lower case, default port and dot segments removed
    let body: Buffer | undefined;
    if (req.method === 'POST') {
      body = await readLimited(req, MAX_OCSP_REQUEST).catch(() => undefined);
      if (!body) { send(413, `An OCSP request may be at most ${MAX_OCSP_REQUEST} bytes.`); return; }
    }
    const kind = req.method === 'POST' || /ocsp/i.test(url) ? 'ocsp' : 'crl';
    const key = `${req.method} ${url} ${body ? createHash('sha256').update(body).digest('hex') : ''}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.metrics.revocationFetch('cached');
      this.reply(res, hit);
      return;
    }
    let pending = this.inFlight.get(key);
    if (pending) {
      this.metrics.revocationFetch('coalesced');
    } else if (this.inFlight.size >= this.config.maxInFlight || this.sending.full) {
      this.busy(res);
      return;
    } else {
      pending = this.fetchAnswer(url, kind, req.method, body);
      this.inFlight.set(key, pending);
      const done = () => { this.inFlight.delete(key); };
      pending.then((answer) => { if (answer.expires > Date.now()) this.cache.set(key, answer); done(); }, done);
    }
    try {
      this.reply(res, await pending);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      send(502, `The relay could not fetch ${url.slice(0, 200)}: ${why.slice(0, 200)}.`);
    }
  }

  /** One upstream fetch; resolves with the answer (expires 0 when it must not be cached). */
  private async fetchAnswer(url: string, kind: 'crl' | 'ocsp', method: string, body: Buffer | undefined): Promise<CachedAnswer> {
    try {
      const upstream = await fetch(url, {
        method,
        redirect: 'manual', // a redirect could leave the allowlist
        signal: AbortSignal.timeout(this.config.timeoutMs),
        ...(body ? { body: new Uint8Array(body), headers: { 'Content-Type': 'application/ocsp-request' } } : {}),
      });
      if (upstream.status !== 200 || !upstream.body) throw new Error(`the server answered ${upstream.status}`);
      const data = await readLimited(upstream.body as unknown as AsyncIterable<Uint8Array>, this.config.maxBytes);
      const next = nextUpdateOf(data, kind);
      const cap = Date.now() + this.config.maxCacheSeconds * 1000;
      this.metrics.revocationFetch('fetched');
      this.log.info('revocation-fetched', { url: url.slice(0, 300), bytes: data.length, nextUpdate: next?.toISOString() ?? null });
      return { body: data, kind, expires: next ? Math.min(next.getTime(), cap) : 0 };
    } catch (err) {
      this.metrics.revocationFetch('failed');
      const why = err instanceof Error ? err.message : String(err);
      this.log.warn('revocation-failed', { url: url.slice(0, 300), error: why.slice(0, 200) });
      throw err;
    }
  }

  private busy(res: ServerResponse): void {
    this.metrics.revocationFetch('busy');
    res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'Retry-After': '1' });
    res.end('The relay is fetching or sending too many revocation answers at once; try again shortly.\n');
  }

  private reply(res: ServerResponse, entry: CachedAnswer): void {
    // The client may have gone while the answer was fetched: nothing to send, nothing to hold.
    if (res.destroyed) return;
    if (!this.sending.take(entry.body)) { this.busy(res); return; }
    // finished() also calls back for a response that closes before the listener would have been added.
    finished(res, () => this.sending.release(entry.body));
    // A client that takes nothing for this long is dropped (no listener: node destroys the socket).
    res.setTimeout(this.sendTimeoutMs);
    const maxAge = Math.max(0, Math.floor((entry.expires - Date.now()) / 1000));
    res.writeHead(200, {
      // Never the upstream's type: whoever controls an allowed URL (or the plain-HTTP path to it)
      // must not get text/html or a script served from the relay's origin.
      'Content-Type': ANSWER_TYPE[entry.kind],
      'Content-Disposition': 'attachment',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "sandbox; default-src 'none'",
      'Content-Length': entry.body.length,
      'Cache-Control': `max-age=${maxAge}`,
    });
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
