// Credentials never reach the logs: a bearer token in the query, under any spelling of its
// name that the relay accepts, is redacted in the `refused` line (and appears nowhere else).
import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../relay/index.ts';
import { openClient, startTestRelay } from './helpers.ts';

describe('log redaction', () => {
  it('a token accepted as ?access%5Ftoken= is not logged in clear when the session is then refused', async () => {
    const token = 'S3CRET-alice-token';
    const relay = await startTestRelay({ auth: { mode: 'bearer', tokens: [{ subject: 'alice', token }] }, targets: { allow: ['localhost:22'] } });
    try {
      for (const name of ['access_token', 'access%5Ftoken', 'acc%65ss_token']) {
        const closed = await openClient(`${relay.url}/ssh?host=forbidden.example&port=22&${name}=${token}`).closed;
        expect(closed.code).toBe(CloseCode.TARGET_FORBIDDEN); // authenticated (as alice), then refused
      }
      const refused = relay.logs.filter((l) => l.event === 'refused');
      expect(refused).toHaveLength(3);
      for (const line of refused) {
        expect(line['who']).toBe('alice');
        expect(line['url']).toMatch(/&[a-z%0-9_]+=\[redacted\]$/i);
      }
      expect(JSON.stringify(relay.logs)).not.toContain(token);
    } finally {
      await relay.close({ drainMs: 0 });
    }
  });
});
