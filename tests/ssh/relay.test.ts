// The same end-to-end scenarios through the relay (relay/): WebSocket to the relay, TCP to sshd.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type RelayHandle } from '../../relay/index.ts';
import { connectRelay, NetStreamError } from '../../cli/net-stream.ts';
import { scenarioSuite } from './scenarios.ts';

let relay: RelayHandle;

// Test servers listen on free high ports of the loopback address; port 22 stays off the list.
beforeAll(async () => {
  relay = await startRelay({
    config: {
      listen: { host: '127.0.0.1', port: 0 },
      targets: { allow: ['127.0.0.1:1024-65535'], allowPrivate: [] },
      static: { dir: null },
      limits: { pingIntervalMs: 0 },
    },
    log: () => undefined,
  });
});
afterAll(async () => { await relay?.close({ drainMs: 0 }); });

scenarioSuite('through the relay', () => ({ relayUrl: relay.url }));

describe('relay refusals', () => {
  it('a target off the allowlist is refused with the relay\'s reason', { timeout: 15_000 }, async () => {
    const err = await connectRelay(relay.url, '127.0.0.1', 22).then(async (s) => {
      // The refusal may come as a close right after the upgrade: read until it does.
      const reader = s.readable.getReader();
      try { for (;;) { const r = await reader.read(); if (r.done) return 'closed cleanly'; } } catch (e) { return e; }
    }, (e: unknown) => e);
    expect(err).toBeInstanceOf(NetStreamError);
    expect((err as NetStreamError).message).toMatch(/relay/i);
  });
});
