// The relay as its own process (`tessera relay --config FILE`), as operators run it: for
// load, memory and restart tests. Stopped by its process id.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPeer, type Peer } from '../support/index.ts';
import { repoRoot } from '../peers/index.ts';

export interface ChildRelay {
  readonly peer: Peer;
  readonly url: string;
  /** Resident memory of the relay process, in bytes (from /proc). */
  rss(): number;
  /** Parsed JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
}

export async function startChildRelay(dir: string, name: string, config: Record<string, unknown>): Promise<ChildRelay> {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(config, null, 2));
  const peer = startPeer(process.execPath, [join(repoRoot, 'cli/tessera.js'), 'relay', '--config', path], { cwd: repoRoot });
  const m = await peer.waitForOutput(/"event":"listening","url":"(ws:\/\/[^"]+)"/, 60_000);
  return {
    peer,
    url: m[1] ?? '',
    rss() {
      const status = readFileSync(`/proc/${peer.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
    },
    logs: () => peer.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
