// CRLs, OCSP answers (pki/'s FetchLike) and `--card-cert URL` over Node's fetch, bounded in time and in size:
// the caller's AbortSignal (pki/ aborts a fetch it gave up on) also stops the download, a fetch without one gives up
// after pki's FETCH_TIMEOUT_MS, and a body is refused as it arrives once past MAX_HTTP_BODY, never buffered whole.
import { FETCH_TIMEOUT_MS, type FetchLike } from '../pki/index.ts';

/** The largest body read (pki/ itself takes CRLs up to 10 MiB). */
export const MAX_HTTP_BODY = 16 << 20;

export const httpFetch: FetchLike = async (url, init) => {
  const r = await fetch(url, {
    method: init?.method ?? 'GET',
    ...(init?.headers ? { headers: init.headers } : {}),
    ...(init?.body ? { body: init.body } : {}),
    signal: init?.signal ?? AbortSignal.timeout(FETCH_TIMEOUT_MS),
  });
  return { ok: r.ok, status: r.status, arrayBuffer: () => readBounded(r, url) };
};

async function readBounded(r: Response, url: string): Promise<ArrayBuffer> {
  const tooLarge = () => new Error(`${url} sent more than ${MAX_HTTP_BODY >> 20} MiB`);
  if (Number(r.headers.get('content-length') ?? 0) > MAX_HTTP_BODY) {
    await r.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = r.body?.getReader();
  for (;;) {
    const next = await reader?.read();
    if (!next || next.done) break;
    length += next.value.length;
    if (length > MAX_HTTP_BODY) {
      await reader!.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(next.value);
  }
  const body = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) { body.set(c, at); at += c.length; }
  return body.buffer;
}
