// The relay as its own process (`tessera relay --config FILE`), as operators run it: for
// load, memory and restart tests. Stopped by its process id. Given listen.port 0, the relay binds a port the system
// picks and logs it ("listening" url): no port drawn beforehand that another process can take before the relay binds.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOnFreePort, startPeer, type Peer } from '../support/index.ts';
import { repoRoot } from '../peers/index.ts';

export interface ChildRelay {
  readonly peer: Peer;
  readonly url: string;
  /**
   * The port it listens on, from its "listening" log line. Given port 0 it is in the ephemeral range: once the relay
   * stops, neither start another on it nor expect "refused" there (a connect retried to it can meet itself); a test that
   * restarts a relay on the same port uses startChildRelayOnFreePort.
   */
  readonly port: number;
  /** Resident memory of the relay process, in bytes (from /proc). */
  rss(): number;
  /** Parsed JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
}

/** What `tessera relay` says when its port is taken (Node's listen error, uncaught: the process exits). */
export const RELAY_PORT_TAKEN = /EADDRINUSE/;

function startRelayProcess(dir: string, name: string, config: Record<string, unknown>): Peer {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(config, null, 2));
  return startPeer(process.execPath, [join(repoRoot, 'cli/tessera.js'), 'relay', '--config', path], { cwd: repoRoot });
}

export async function startChildRelay(dir: string, name: string, config: Record<string, unknown>): Promise<ChildRelay> {
  return childRelay(startRelayProcess(dir, name, config));
}

/**
 * A relay on a port from freePort, below the ephemeral range, for a test that starts another relay on the same port
 * after this one stops (a port the system picked could meanwhile become some connection's source port). Started again
 * on another port if the one drawn was taken before the relay bound it (tests/support start-on-free-port.ts).
 */
export async function startChildRelayOnFreePort(dir: string, name: string, config: (port: number) => Record<string, unknown>): Promise<ChildRelay> {
  const { peer } = await startOnFreePort({ name: `tessera relay (${name})`, portTaken: RELAY_PORT_TAKEN, timeoutMs: 60_000, start: (port) => startRelayProcess(dir, name, config(port)) });
  return childRelay(peer);
}

async function childRelay(peer: Peer): Promise<ChildRelay> {
  const m = await peer.waitForOutput(/"event":"listening","url":"(ws:\/\/[^"]+:(\d+))"/, 60_000);
  return {
    peer,
    url: m[1] ?? '',
    port: Number(m[2]),
    rss() {
      const status = readFileSync(`/proc/${peer.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
    },
    logs: () => peer.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
