// Starting a peer that must be told its port (sshd has no "Port 0", vpcd listens on the port pcscd's reader.conf names):
// the port freePort drew is free only until the peer binds it, and a peer started in parallel by another test file can
// take it meanwhile. The peer then says so and exits (or its driver fails); it is restarted on a fresh port.
import { freePort, PeerStartError, type Peer } from './process.ts';
import { waitForListening } from './listening.ts';

export interface StartOnFreePortOptions {
  /** Names the peer in errors, e.g. "sshd". */
  readonly name: string;
  /** Starts the peer to listen on 127.0.0.1:`port`. */
  start(port: number): Peer | Promise<Peer>;
  /** The peer's own words when the port is taken, e.g. sshd's /Bind to port \d+ on .* failed: Address already in use/. */
  readonly portTaken: RegExp;
  /** Ports tried before giving up (default 5). */
  readonly attempts?: number;
  /** For each attempt, from the start to listening (default 15 s). */
  readonly timeoutMs?: number;
}

/** Resolves once the process has written everything it will (its stdout and stderr closed), or after 5 s. */
function outputClosed(peer: Peer): Promise<void> {
  const { stdout, stderr } = peer.child;
  if ((stdout?.closed ?? true) && (stderr?.closed ?? true)) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 5000);
    peer.child.once('close', () => { clearTimeout(timer); resolve(); });
  });
}

/**
 * Starts the peer on a port from freePort; when the peer reports that port taken, stops it (by its pid) and starts it
 * again on another, at most `attempts` times. Resolves once the process started holds the listening socket itself
 * (listening.ts), so a test never reaches another process on a port taken from under it. Any other failure, and the
 * last "taken", reject with the peer's own output.
 */
export async function startOnFreePort(options: StartOnFreePortOptions): Promise<{ peer: Peer; port: number }> {
  const attempts = options.attempts ?? 5;
  const taken: number[] = [];
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const peer = await options.start(port);
    let waited: unknown;
    try {
      await waitForListening(peer, { port, timeoutMs: options.timeoutMs ?? 15_000, giveUpOn: options.portTaken });
      return { peer, port };
    } catch (err) {
      waited = err;
    }
    const exited = peer.child.exitCode !== null || peer.child.signalCode !== null;
    if (exited) await outputClosed(peer);
    await peer.stop();
    const output = peer.output();
    if (!options.portTaken.test(output)) throw waited;
    taken.push(port);
    if (attempt >= attempts) {
      throw new PeerStartError(`${options.name}: the port drawn was taken before it could bind it, ${attempts} times (ports ${taken.join(', ')}); it said last:\n${output}`);
    }
  }
}
