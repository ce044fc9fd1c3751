// A /revocation client that goes away while the relay fetches its answer. The answer then had nobody to go to, but
// it was still taken onto the send budget (revocation.sendBytes), and the release waited for a 'close' that had
// already been emitted: the bytes stayed counted for good. Clients that give up on a slow CA (a closed tab, the
// page's own fetch timeout) thus drifted the relay into answering every uncached revocation request with 503.
import { createServer, request, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type RelayHandle } from '../../relay/index.ts';

const ANSWER = 3000;
let upstream: Server;
let base = '';
let relay: RelayHandle;
/** Upstream answers held back until released; `asked` counts the requests it got. */
const held: ServerResponse[] = [];
let asked = 0;

beforeAll(async () => {
  upstream = createServer((_req, res) => { asked++; held.push(res); });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
  relay = await startRelay({
    config: { listen: { host: '127.0.0.1', port: 0 }, static: { dir: null }, revocation: { allow: [`${base}/`], maxBytes: 4096, sendBytes: 8192 } },
    log: () => undefined,
  });
});
afterAll(async () => {
  await relay?.close({ drainMs: 0 });
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

const path = (q: string) => `/revocation?url=${encodeURIComponent(`${base}/ca.crl?${q}`)}`;

function release(): void {
  for (const res of held.splice(0)) res.writeHead(200, { 'Content-Length': ANSWER }).end(Buffer.alloc(ANSWER, 0x30));
}

/** GET through the relay: status and bytes; `abandon` destroys the request once the upstream has been asked. */
function get(q: string, abandon = false): Promise<string> {
  return new Promise((resolve) => {
    const before = asked;
    const req = request({ host: '127.0.0.1', port: relay.port, path: path(q) }, (res) => {
      let n = 0;
      res.on('data', (d: Buffer) => { n += d.length; });
      res.on('end', () => resolve(`${res.statusCode} ${n}`));
    });
    req.on('error', () => resolve('abandoned'));
    req.end();
    if (abandon) void expect.poll(() => asked > before, { timeout: 20_000 }).toBe(true).then(() => req.destroy());
  });
}

/** A request answered: the CA's answer released once the relay asked for it, or the relay's own refusal. */
async function answered(q: string): Promise<string> {
  const pending = get(q);
  for (;;) {
    const done = await Promise.race([pending, new Promise<undefined>((r) => setTimeout(r, 20))]);
    if (done !== undefined) return done;
    if (held.length > 0) { release(); return pending; }
  }
}

describe('a revocation client gone while its answer is fetched', () => {
  it('leaves nothing on the send budget: later answers still go out', async () => {
    // Two clients give up while the CA is slow.
    expect(await get('first', true)).toBe('abandoned');
    expect(await get('second', true)).toBe('abandoned');
    // The CA answers both: 6000 bytes with nobody to take them (the budget is 8192, an answer at most 4096). Had the
    // relay not yet seen the clients go, it sends into their closed sockets and releases the bytes when that fails:
    // a distinct answer goes out again soon either way; with the leak, never.
    release();
    let n = 0;
    await expect.poll(() => answered(`later-${n++}`), { timeout: 20_000 }).toBe(`200 ${ANSWER}`);
    expect(await answered('again')).toBe(`200 ${ANSWER}`);
  });
});
