import { describe, expect, it } from 'vitest';
import { perIpKey } from './client-key.ts';

describe('perIpKey (the per-IP limit: IPv4 address, IPv6 /64)', () => {
  it('counts an IPv6 client by its /64, however the address is written', () => {
    const same = ['2001:db8:1:2::1', '2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:0DB8:0001:0002:0:0:0:ffff', '[2001:db8:1:2::5]', '2001:db8:1:2:0:0:1.2.3.4'];
    for (const a of same) expect(perIpKey(a), a).toBe('2001:db8:1:2::/64');
    expect(perIpKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(perIpKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(perIpKey('::1')).toBe('0:0:0:0::/64');
    expect(perIpKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(perIpKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });

  it('counts IPv4 and IPv4-mapped IPv6 by the IPv4 address', () => {
    expect(perIpKey('203.0.113.9')).toBe('203.0.113.9');
    expect(perIpKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(perIpKey('::FFFF:203.0.113.10')).toBe('203.0.113.10');
  });

  it('keeps anything that is not an address as it is', () => {
    expect(perIpKey('unknown')).toBe('unknown');
  });
});
