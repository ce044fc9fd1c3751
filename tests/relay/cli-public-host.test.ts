// `tessera relay` beyond loopback: without the names users reach it by it refuses to start (DNS
// rebinding, relay/public-hosts.ts); `--public-host` gives them on the command line.
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../peers/index.ts';
import { freePort, startOnFreePort, startPeer } from '../support/index.ts';
import { RELAY_PORT_TAKEN } from './child-relay.ts';

const tessera = join(repoRoot, 'cli/tessera.js');

function status(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/config.json', headers: { Host: host } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); })
      .on('error', reject).end();
  });
}

describe('tessera relay --public-host', () => {
  it('listening on all addresses, it refuses to start without its public names, and names the setting', async () => {
    const port = await freePort();
    const r = spawnSync(process.execPath, [tessera, 'relay', '--listen', `0.0.0.0:${port}`, '--no-static'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/publicHosts/);
  });

  it('with --public-host it answers to that name only (421 to a rebound one)', async () => {
    // The port is named in --public-host, so it is drawn first (and drawn again if taken before the relay binds it).
    const { peer: relay, port } = await startOnFreePort({
      name: 'tessera relay', portTaken: RELAY_PORT_TAKEN, timeoutMs: 30_000,
      start: (port) => startPeer(process.execPath, [tessera, 'relay', '--listen', `0.0.0.0:${port}`, '--no-static', '--public-host', `relay.test:${port}`], { cwd: repoRoot }),
    });
    try {
      await relay.waitForOutput(/"event":"listening"/, 30_000);
      expect(await status(port, `relay.test:${port}`)).toBe(200);
      expect(await status(port, `attacker.example:${port}`)).toBe(421);
    } finally {
      await relay.stop();
    }
  });
});
