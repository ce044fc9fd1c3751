// Real peers started by tests: each process is tracked by its id and stopped by it,
// on `stop()` and, as a last resort, when the test process exits.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { existsSync } from 'node:fs';
import { isSelfConnected } from '../../sim/vpcd/index.ts';

export class PeerMissingError extends Error {
  readonly code = 'PEER_MISSING';
  override readonly name = 'PeerMissingError';
}

export class PeerStartError extends Error {
  readonly code = 'PEER_START';
  override readonly name = 'PeerStartError';
}

/** Fails loudly (never skips) when a component the test needs is not installed. */
export function requireExecutable(path: string, hint: string): string {
  if (!existsSync(path)) throw new PeerMissingError(`${path} is missing: ${hint} (run scripts/setup.sh as root)`);
  return path;
}

/** A free TCP port on the loopback interface. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Resolves once something accepts TCP connections on host:port. A connection to itself (isSelfConnected: retried
 * connects to a port nobody listens on yet can get it) does not count.
 */
export async function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ port, host }, () => { resolve(!isSelfConnected(s)); s.destroy(); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new PeerStartError(`nothing listened on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) if (child.pid !== undefined) try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
});

export interface Peer {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves when `pattern` appears in the output. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Stops the process by its id: SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
}

export function startPeer(command: string, args: readonly string[], options: SpawnOptions = {}): Peer {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  if (child.pid === undefined) throw new PeerStartError(`could not start ${command}`);
  const pid = child.pid;
  running.add(child);
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => { out += d.toString('utf8'); for (const w of waiters) w(); };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => { running.delete(child); for (const w of waiters) w(); resolve(); }));
  return {
    pid,
    child,
    output: () => out,
    waitForOutput(pattern, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (m) { done(); resolve(m); return; }
          if (child.exitCode !== null || child.signalCode !== null) {
            done(); reject(new PeerStartError(`${command} exited (${child.exitCode ?? child.signalCode}) before ${pattern}:\n${out}`));
          }
        };
        const timer = setTimeout(() => { done(); reject(new PeerStartError(`${command}: no ${pattern} within ${timeoutMs} ms:\n${out}`)); }, timeoutMs);
        const done = () => { clearTimeout(timer); waiters.delete(check); };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try { process.kill(pid, 'SIGTERM'); } catch { return; }
      const timer = setTimeout(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }, 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
