// IP addresses and CIDR ranges, on top of node:net's BlockList (no hand-rolled bit math).
import { BlockList, isIP } from 'node:net';

export type Family = 'ipv4' | 'ipv6';

/** An IP literal, normalised: IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes plain IPv4 (RFC 4291 §2.5.5.2). */
export function normalizeIp(address: string): { address: string; family: Family } | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const kind = isIP(bare);
  if (kind === 4) return { address: bare, family: 'ipv4' };
  if (kind !== 6) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped?.[1] && isIP(mapped[1]) === 4) return { address: mapped[1], family: 'ipv4' };
  return { address: bare.toLowerCase(), family: 'ipv6' };
}

/** A set of CIDR ranges. */
export class CidrSet {
  private readonly list = new BlockList();
  private readonly text: string[] = [];

  /** Adds `a.b.c.d/n`, `a.b.c.d`, `x::/n`, `[x::]/n` or `x::`; returns false when malformed. */
  add(cidr: string): boolean {
    const slash = cidr.lastIndexOf('/');
    const ip = normalizeIp(slash < 0 ? cidr : cidr.slice(0, slash));
    if (!ip) return false;
    const max = ip.family === 'ipv4' ? 32 : 128;
    const prefixText = slash < 0 ? String(max) : cidr.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) return false;
    const prefix = Number(prefixText);
    if (prefix > max) return false;
    this.list.addSubnet(ip.address, prefix, ip.family);
    this.text.push(cidr);
    return true;
  }

  has(address: string): boolean {
    const ip = normalizeIp(address);
    return ip !== undefined && this.list.check(ip.address, ip.family);
  }

  get size(): number {
    return this.text.length;
  }
}

/**
 * Addresses that are not on the public Internet: denied as targets unless explicitly allowed.
 * IANA special-purpose registries (RFC 6890 and successors): private, loopback, link-local,
 * shared (CGNAT), benchmarking, multicast, reserved, unique-local, and NAT64/6to4 prefixes
 * that could embed any IPv4 address.
 */
const NON_PUBLIC = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12',
  '192.0.0.0/24', '192.0.2.0/24', '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15',
  '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
  '::/128', '::1/128', '64:ff9b::/96', '64:ff9b:1::/48', '100::/64', '2001:db8::/32', '2002::/16',
  'fc00::/7', 'fe80::/10', 'fec0::/10', 'ff00::/8',
];
const nonPublic = new CidrSet();
for (const c of NON_PUBLIC) nonPublic.add(c);

const loopback = new CidrSet();
loopback.add('127.0.0.0/8');
loopback.add('::1/128');

/** True for private, loopback, link-local and other non-public addresses. */
export function isNonPublic(address: string): boolean {
  return nonPublic.has(address);
}

export function isLoopback(address: string): boolean {
  return loopback.has(address);
}
