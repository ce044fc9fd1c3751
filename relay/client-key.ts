// Which clients share a per-IP session limit. An IPv4 address is one client. An IPv6 client
// usually holds a whole /64 (RFC 6177; SLAAC addresses are /64, RFC 4862) and can take a fresh
// address for each connection, so IPv6 clients are counted by their /64. IPv4-mapped addresses
// count as the IPv4 address (normalizeIp, RFC 4291 §2.5.5.2).
import { normalizeIp } from './address.ts';

/** The 8 groups of an IPv6 address, as numbers (a trailing dotted IPv4 part is two groups). */
function groupsOf(address: string): number[] {
  let text = address.split('%')[0] ?? ''; // a zone (fe80::1%eth0) is not part of the address
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1] && dotted[2]) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted[2].split('.').map(Number);
    text = `${dotted[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const part = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const front = part(head);
  if (tail === undefined) return front;
  const back = part(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

/** The key a client's sessions are counted under for `limits.perIp`: its IPv4 address, or its IPv6 /64. */
export function perIpKey(address: string): string {
  const ip = normalizeIp(address);
  if (!ip) return address; // not an address ('unknown'): counted as itself
  if (ip.family === 'ipv4') return ip.address;
  return `${groupsOf(ip.address).slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}
