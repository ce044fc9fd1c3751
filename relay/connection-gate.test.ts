import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CidrSet } from './address.ts';
import { ConnectionGate } from './connection-gate.ts';

const socket = (remoteAddress: string) => Object.assign(new EventEmitter(), { remoteAddress }) as unknown as Socket;
const proxies = new CidrSet();
proxies.add('10.0.0.5');

describe('ConnectionGate', () => {
  it('counts open connections per IPv4 address and IPv6 /64, frees them on close, and leaves trusted proxies alone', () => {
    const gate = new ConnectionGate(2, proxies);
    const a = [socket('192.0.2.1'), socket('::ffff:192.0.2.1')];
    expect(a.map((s) => gate.admit(s))).toEqual([true, true]);
    expect(gate.admit(socket('192.0.2.1'))).toBe(false); // the mapped address is the same client
    expect(gate.admit(socket('192.0.2.2'))).toBe(true);
    expect([gate.admit(socket('2001:db8::1')), gate.admit(socket('2001:db8::2')), gate.admit(socket('2001:db8::3'))]).toEqual([true, true, false]);
    expect(gate.admit(socket('2001:db8:0:1::1'))).toBe(true);
    a[0]!.emit('close');
    expect(gate.admit(socket('192.0.2.1'))).toBe(true);
    for (let i = 0; i < 10; i++) expect(gate.admit(socket('10.0.0.5'))).toBe(true);
    expect(new ConnectionGate(0, proxies).admit(socket('192.0.2.1'))).toBe(true);
  });

  it('forgets a client once its last connection closes', () => {
    const gate = new ConnectionGate(5, proxies);
    const s = socket('198.51.100.7');
    gate.admit(s);
    expect(gate.clients).toBe(1);
    s.emit('close');
    expect(gate.clients).toBe(0);
  });
});
