// CRLs, OCSP answers (pki/'s FetchLike) and `--card-cert URL` over Node's fetch, bounded in time and in size:
// the caller's AbortSignal (pki/ aborts a fetch it gave up on) also stops the download, a fetch without one gives up
// after pki's FETCH_TIMEOUT_MS, and a body is refused as it arrives once past its limit, never buffered whole
// (pki/ reads `body` up to its own 10 MiB; arrayBuffer() stops at MAX_HTTP_BODY).
import { FETCH_TIMEOUT_MS, readLimited, type FetchLike } from '../pki/index.ts';

/** The largest body arrayBuffer() reads. */
export const MAX_HTTP_BODY = 16 << 20;

export const httpFetch: FetchLike = async (url, init) => {
  const r = await fetch(url, {
    method: init?.method ?? 'GET',
    ...(init?.headers ? { headers: init.headers } : {}),
    ...(init?.body ? { body: init.body } : {}),
    signal: init?.signal ?? AbortSignal.timeout(FETCH_TIMEOUT_MS),
  });
  return {
    ok: r.ok,
    status: r.status,
    body: r.body,
    arrayBuffer: async () => {
      const declared = Number(r.headers.get('content-length') ?? 0);
      const body = declared > MAX_HTTP_BODY ? undefined : r.body ? await readLimited(r.body, MAX_HTTP_BODY) : new Uint8Array(0);
      if (!body) {
        await r.body?.cancel().catch(() => undefined);
        throw new Error(`${url} sent more than ${MAX_HTTP_BODY >> 20} MiB`);
      }
      return body.slice().buffer;
    },
  };
};
