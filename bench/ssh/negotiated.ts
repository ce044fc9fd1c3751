// The algorithms of each key exchange, as sshd logs them at DEBUG1 (OpenSSH kex.c kex_choose_conf).

/** The algorithms sshd logged for one key exchange. */
export interface Negotiated { readonly kex: string; readonly hostKey: string; readonly cipher: string; readonly mac: string }

/** Reads the DEBUG1 "kex:" lines of sshd's log into one record per key exchange. */
export function parseNegotiated(log: string): Negotiated[] {
  const out: { kex: string; hostKey: string; cipher: string; mac: string; c2s?: string }[] = [];
  for (const line of log.split('\n')) {
    const kex = /kex: algorithm: (\S+)/.exec(line);
    if (kex) { out.push({ kex: kex[1]!, hostKey: '', cipher: '', mac: '' }); continue; }
    const last = out.at(-1);
    if (!last) continue;
    const hk = /kex: host key algorithm: (\S+)/.exec(line);
    if (hk) last.hostKey = hk[1]!;
    const dir = /kex: (client->server|server->client) cipher: (\S+) MAC: (\S+)/.exec(line);
    if (dir) {
      const both = `${dir[2]!} ${dir[3]!}`;
      // The two directions may differ only if a client asked so; record a mismatch as such.
      if (dir[1] === 'client->server') last.c2s = both;
      else if (last.c2s !== undefined && last.c2s !== both) { last.cipher = `${last.c2s} / ${both}`; last.mac = ''; }
      else { last.cipher = dir[2]!; last.mac = dir[3]!; }
    }
  }
  return out.map(({ kex, hostKey, cipher, mac }) => ({ kex, hostKey, cipher, mac }));
}
