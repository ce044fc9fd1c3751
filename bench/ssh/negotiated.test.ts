// Reading the negotiated algorithms from sshd's DEBUG1 log (bench/ssh/negotiated.ts).
import { expect, it } from 'vitest';
import { parseNegotiated } from './negotiated.ts';

// As sshd 9.2 -D -e logs them (bench/ssh/setup.ts), two connections.
const LOG = `debug1: Connection from 127.0.0.1 port 40000 on 127.0.0.1 port 2222 rdomain ""
debug1: kex: algorithm: curve25519-sha256 [preauth]
debug1: kex: host key algorithm: ssh-ed25519 [preauth]
debug1: kex: client->server cipher: chacha20-poly1305@openssh.com MAC: <implicit> compression: none [preauth]
debug1: kex: server->client cipher: chacha20-poly1305@openssh.com MAC: <implicit> compression: none [preauth]
debug1: Connection from 127.0.0.1 port 40002 on 127.0.0.1 port 2222 rdomain ""
debug1: kex: algorithm: curve25519-sha256@libssh.org [preauth]
debug1: kex: host key algorithm: ssh-ed25519 [preauth]
debug1: kex: client->server cipher: aes128-ctr MAC: hmac-sha2-256-etm@openssh.com compression: none [preauth]
debug1: kex: server->client cipher: aes128-ctr MAC: hmac-sha2-256-etm@openssh.com compression: none [preauth]
`;

it('one record per key exchange: kex, host key, cipher and MAC', () => {
  expect(parseNegotiated(LOG)).toEqual([
    { kex: 'curve25519-sha256', hostKey: 'ssh-ed25519', cipher: 'chacha20-poly1305@openssh.com', mac: '<implicit>' },
    { kex: 'curve25519-sha256@libssh.org', hostKey: 'ssh-ed25519', cipher: 'aes128-ctr', mac: 'hmac-sha2-256-etm@openssh.com' },
  ]);
  expect(parseNegotiated('debug1: Connection from 127.0.0.1\n')).toEqual([]);
});

it('directions that differ are recorded as such, so no single cipher matches them', () => {
  const mixed = LOG.replace('server->client cipher: chacha20-poly1305@openssh.com MAC: <implicit>', 'server->client cipher: aes128-gcm@openssh.com MAC: <implicit>');
  expect(parseNegotiated(mixed)[0]?.cipher).toBe('chacha20-poly1305@openssh.com <implicit> / aes128-gcm@openssh.com <implicit>');
});
