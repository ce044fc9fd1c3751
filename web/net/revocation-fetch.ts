// CRL and OCSP fetches for pki/'s revocation check, through the relay. A page cannot fetch a CA's
// plain-HTTP distribution point or OCSP responder itself (mixed content, no CORS), so it asks the
// relay's /revocation endpoint (relay/revocation.ts), which fetches only allowlisted URLs:
//   GET  /revocation?url=<CRL URL or OCSP GET URL>      (RFC 5280 §4.2.1.13, RFC 6960 §A.1)
//   POST /revocation?url=<OCSP responder>  body: application/ocsp-request (RFC 6960 §A.1)
import type { FetchLike } from '../../pki/index.ts';

/** The relay's revocation endpoint: the HTTP(S) origin of its WebSocket URL, path /revocation. */
export function relayRevocationUrl(relayUrl: string): string {
  const url = new URL(relayUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = '/revocation';
  url.search = '';
  url.hash = '';
  return url.toString();
}

/** pki/'s FetchLike, sending each CRL or OCSP request through `endpoint`. */
export function relayRevocationFetch(endpoint: string, fetcher: typeof fetch = globalThis.fetch.bind(globalThis)): FetchLike {
  return async (url, init) => {
    const target = new URL(endpoint);
    target.searchParams.set('url', url);
    const response = await fetcher(target.toString(), {
      method: init?.method ?? 'GET',
      ...(init?.headers ? { headers: init.headers } : {}),
      ...(init?.body ? { body: init.body } : {}),
      // pki/ aborts a fetch it gave up on (its timeout): the request stops too.
      ...(init?.signal ? { signal: init.signal } : {}),
      // The relay caches until nextUpdate; the browser must not keep an answer longer than it says.
      cache: 'no-cache',
      credentials: 'omit',
      redirect: 'error',
    });
    // The body as a stream, so that pki/ stops reading past its size limit instead of holding it all first.
    return { ok: response.ok, status: response.status, body: response.body, arrayBuffer: () => response.arrayBuffer() };
  };
}
