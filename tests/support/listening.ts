// Which TCP ports a process listens on, read from Linux /proc (proc(5): /proc/PID/fd, /proc/net/tcp): the proof that a
// port answers because the peer we started holds it, not some other process that took the port first.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { PeerStartError, type Peer } from './process.ts';

/** The socket inodes among the open files of `pid` ("socket:[INODE]" links in /proc/PID/fd). */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return inodes; // gone
    // proc(5): another user's process (a peer that changed its uid) cannot be checked: say so now, not after a timeout.
    throw new PeerStartError(`cannot read /proc/${pid}/fd to see which ports process ${pid} listens on: ${code ?? String(err)}`, { cause: err });
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1] !== undefined) inodes.add(m[1]);
    } catch { /* closed meanwhile */ }
  }
  return inodes;
}

const TCP_LISTEN = '0A'; // include/net/tcp_states.h TCP_LISTEN = 10

/** The TCP ports (IPv4 and IPv6) process `pid` holds a listening socket on, in ascending order. */
export function listeningPorts(pid: number): number[] {
  const inodes = socketInodes(pid);
  const ports = new Set<number>();
  if (inodes.size === 0) return [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try { text = readFileSync(table, 'utf8'); } catch { continue; } // no IPv6
    // "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ..."; local_address is "ADDR:PORT" in hex.
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] !== TCP_LISTEN || f[9] === undefined || !inodes.has(f[9])) continue;
      ports.add(parseInt(f[1]?.split(':')[1] ?? '', 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

export interface WaitForListeningOptions {
  /** The port it must listen on; default any. */
  readonly port?: number;
  readonly timeoutMs?: number;
  /** Output saying it never will (a process that goes on without listening, as pcscd when its reader driver fails). */
  readonly giveUpOn?: RegExp;
}

/**
 * Resolves with the ports `peer` listens on once it listens on any (or on `port`, when given): the peer's own sockets,
 * so a foreign server on the same port never counts. Rejects with the peer's output if it exits, prints `giveUpOn`, or
 * the time runs out.
 */
export async function waitForListening(peer: Peer, options: WaitForListeningOptions = {}): Promise<number[]> {
  const { port, timeoutMs = 15_000, giveUpOn } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ports = listeningPorts(peer.pid);
    if (port === undefined ? ports.length > 0 : ports.includes(port)) return ports;
    const { exitCode, signalCode } = peer.child;
    if (exitCode !== null || signalCode !== null) {
      throw new PeerStartError(`${peer.child.spawnfile} exited (${exitCode ?? signalCode}) before listening${port === undefined ? '' : ` on port ${port}`}:\n${peer.output()}`);
    }
    if (giveUpOn?.test(peer.output())) throw new PeerStartError(`${peer.child.spawnfile} will not listen${port === undefined ? '' : ` on port ${port}`}:\n${peer.output()}`);
    if (Date.now() > deadline) {
      throw new PeerStartError(`${peer.child.spawnfile} did not listen${port === undefined ? '' : ` on port ${port}`} within ${timeoutMs} ms:\n${peer.output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
