// Open TCP connections per client, counted when the connection is accepted, before a byte is
// read. A connection costs a file descriptor whether it ever sends a request or not, and the
// process has a fixed number: a client that opens connections and sends nothing, or its headers a
// byte at a time (slowloris), would otherwise run the relay out of descriptors, and then it can
// neither accept sessions nor connect them to their servers. Clients are keyed as for the session
// limit (client-key.ts: an IPv4 address, an IPv6 /64). A trusted reverse proxy carries many
// clients on its connections, so its own are not limited here (the proxy limits its clients).
import type { Socket } from 'node:net';
import { type CidrSet, normalizeIp } from './address.ts';
import { perIpKey } from './client-key.ts';

export class ConnectionGate {
  private readonly open = new Map<string, number>();

  /**
   * @param perIp connections one client may hold open at once (0: unlimited).
   * @param proxies trusted reverse proxies (config.trustedProxies), not limited.
   */
  constructor(private readonly perIp: number, private readonly proxies: CidrSet) {}

  /** Counts `socket` until it closes; false when its client already holds `perIp` (the caller drops it). */
  admit(socket: Socket): boolean {
    const peer = normalizeIp(socket.remoteAddress ?? '')?.address;
    if (this.perIp === 0 || peer === undefined || this.proxies.has(peer)) return true;
    const key = perIpKey(peer);
    const n = this.open.get(key) ?? 0;
    if (n >= this.perIp) return false;
    this.open.set(key, n + 1);
    socket.once('close', () => {
      const left = (this.open.get(key) ?? 1) - 1;
      if (left <= 0) this.open.delete(key);
      else this.open.set(key, left);
    });
    return true;
  }

  /** Clients holding connections now (for tests). */
  get clients(): number {
    return this.open.size;
  }
}
