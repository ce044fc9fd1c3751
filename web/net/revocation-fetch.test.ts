import { describe, expect, it } from 'vitest';
import { relayRevocationFetch, relayRevocationUrl } from './revocation-fetch.ts';

describe('revocation fetches through the relay', () => {
  it('derives the endpoint from the relay WebSocket URL', () => {
    expect(relayRevocationUrl('wss://relay.example.com/ssh')).toBe('https://relay.example.com/revocation');
    expect(relayRevocationUrl('ws://127.0.0.1:8022/ssh?x=1')).toBe('http://127.0.0.1:8022/revocation');
  });

  it('wraps the CA URL in ?url= and forwards an OCSP POST with its body', async () => {
    const seen: { url: string; init: RequestInit | undefined }[] = [];
    const fetcher = (async (url: string, init?: RequestInit) => {
      seen.push({ url, init });
      return new Response(new Uint8Array([0x30, 0x00]), { status: 200 });
    }) as unknown as typeof fetch;
    const f = relayRevocationFetch('http://relay.test/revocation', fetcher);
    const crl = await f('http://crl.example.com/ca.crl?a=1&b=2');
    expect(crl.ok).toBe(true);
    expect(new Uint8Array(await crl.arrayBuffer())).toEqual(Uint8Array.of(0x30, 0x00));
    expect(new URL(seen[0]!.url).searchParams.get('url')).toBe('http://crl.example.com/ca.crl?a=1&b=2');
    expect(seen[0]!.init?.method).toBe('GET');
    const body = Uint8Array.of(0x30, 0x03, 1, 2, 3);
    await f('http://ocsp.example.com/', { method: 'POST', headers: { 'Content-Type': 'application/ocsp-request' }, body });
    expect(seen[1]!.init?.method).toBe('POST');
    expect(seen[1]!.init?.body).toBe(body);
    expect(seen[1]!.init?.headers).toEqual({ 'Content-Type': 'application/ocsp-request' });
  });

  it("passes pki's abort signal on and hands over the body as a stream", async () => {
    let signal: AbortSignal | undefined;
    const fetcher = (async (_url: string, init?: RequestInit) => {
      signal = init?.signal ?? undefined;
      return new Response(new Uint8Array([0x30, 0x00]), { status: 200 });
    }) as unknown as typeof fetch;
    const abort = new AbortController();
    const r = await relayRevocationFetch('http://relay.test/revocation', fetcher)('http://crl.example.com/ca.crl', { signal: abort.signal });
    expect(signal).toBe(abort.signal);
    const reader = r.body!.getReader();
    expect((await reader.read()).value).toEqual(Uint8Array.of(0x30, 0x00));
  });
});
