// A target name whose DNS never answers. The lookup used to have no time limit: the client's
// WebSocket stayed open in admission, holding a place under the session limits, for as long as
// the lookup hung. It now gets the connect timeout and ends in 4406 DNS_FAILED.
// The resolver stands in for a name server that never replies (no DNS server runs in the tests).
import { describe, expect, it } from 'vitest';
import { CloseCode, type Resolver } from '../../relay/index.ts';
import { openClient, startTestRelay } from './helpers.ts';

describe('DNS lookups are bounded in time', () => {
  it('a lookup that never answers ends in 4406 after limits.connectTimeoutMs and frees its place', async () => {
    let asked = 0;
    const silent: Resolver = () => { asked++; return new Promise(() => { /* never answers */ }); };
    const relay = await startTestRelay({ targets: { allow: ['*.slow.example:22'] }, limits: { connectTimeoutMs: 1000, global: 1 } }, silent);
    try {
      const c = openClient(`${relay.url}/ssh?host=a.slow.example&port=22`);
      const closed = await c.closed;
      expect(closed).toEqual({ code: CloseCode.DNS_FAILED, reason: 'The name a.slow.example did not resolve within 1000 ms.' });
      expect(asked).toBe(1);
      // The place it held under the global limit (1) is free again: the next one reaches the lookup too.
      const next = openClient(`${relay.url}/ssh?host=b.slow.example&port=22`);
      expect((await next.closed).code).toBe(CloseCode.DNS_FAILED);
      expect(asked).toBe(2);
    } finally {
      await relay.close({ drainMs: 0 });
    }
  }, 60_000);
});
