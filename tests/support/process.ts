// Real peers started by tests: each process is tracked by its id and stopped by it,
// on `stop()` and, as a last resort, when the test process exits.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';

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

/** The lowest ephemeral port (connect()'s source ports, listen(0)'s ports): Linux's setting, else its default. */
const EPHEMERAL_LOW = ((): number => {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (low > 0) return low;
  } catch { /* not Linux */ }
  return 32768;
})();

/** Whether a listener can take host:port now. */
function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** Ports below the ephemeral range that freePort draws from. */
const PORTS_FROM = 10_000;

/**
 * A free TCP port for a peer to listen on, below the ephemeral range. The peer binds it later: an ephemeral port
 * could meanwhile become some connection's source port (and the peer's bind fail), and a connect retried against it
 * before the peer listens could reach itself (sim/vpcd's isSelfConnected). Ports below the range are never given to
 * connects, so waitForPort's and the vpcd bridge's retries cannot.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  if (EPHEMERAL_LOW <= PORTS_FROM + 1000) throw new PeerStartError(`the ephemeral port range starts at ${EPHEMERAL_LOW}: too low to draw test ports below it`);
  for (let i = 0; i < 100; i++) {
    const port = PORTS_FROM + Math.floor(Math.random() * (EPHEMERAL_LOW - PORTS_FROM));
    if (await canListen(port, host)) return port;
  }
  throw new PeerStartError(`no free port between ${PORTS_FROM} and ${EPHEMERAL_LOW - 1} on ${host}`);
}

/** Resolves once something accepts TCP connections on host:port (a port from freePort: see there). */
export async function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ port, host }, () => { s.destroy(); resolve(true); });
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
