#!/usr/bin/python3
"""AsyncSSH (Debian python3-asyncssh 2.10.1) server for RFC 6187 x509v3-* user authentication tests.

Usage: asyncssh_x509_server.py PORT USER AUTHORIZED_KEYS TRUSTED_CA_PEM HOSTKEY [HOSTKEY...]
A HOSTKEY is a private key file, or KEY=CHAIN_PEM: the key with its X.509 host certificate chain (leaf first),
which AsyncSSH then offers as x509v3-* host-key algorithms (RFC 6187) besides the plain key.
KEY=CHAIN_PEM=OWN_KEY plays a man in the middle: it presents KEY's certificate chain but signs with OWN_KEY.
x509_trusted_certs is the CA in TRUSTED_CA_PEM; x509_purposes is secureShellClient (the default).
AUTHORIZED_KEYS holds AsyncSSH x509 subject entries ("x509v3-... subject=/CN=..."); the chain must also
name USER as an RFC 822 subjectAltName (AsyncSSH's user principal). Prints "LISTENING <port>" when ready
and logs each authentication decision on stderr.
"""
import asyncio
import logging
import sys
import warnings

warnings.filterwarnings('ignore')  # Debian's cryptography warns about Blowfish/CAST5 imports.
import asyncssh  # noqa: E402

PORT, USER, AUTHORIZED_KEYS, TRUSTED_CA = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]


def host_keys(arg):
    parts = arg.split('=')
    if len(parts) == 1:
        return [arg]
    if len(parts) == 2:
        return [tuple(parts)]
    key, chain, own = parts
    pairs = asyncssh.load_keypairs([(key, chain)])
    for pair in pairs:
        pair._key = asyncssh.read_private_key(own)  # SSHLocalKeyPair.sign signs with _key
    return pairs


HOST_KEYS = [k for arg in sys.argv[5:] for k in host_keys(arg)]

logging.basicConfig(stream=sys.stderr, level=logging.INFO)
asyncssh.set_log_level(logging.INFO)
asyncssh.set_debug_level(1)


class Server(asyncssh.SSHServer):
    def connection_made(self, conn):
        self._conn = conn

    def begin_auth(self, username):
        self._conn.set_authorized_keys(AUTHORIZED_KEYS)
        return True

    def public_key_auth_supported(self):
        return True


async def handle(process):
    process.stdout.write(f'x509-login-ok {process.get_extra_info("username")}\n'.encode())
    process.exit(0)


async def main():
    server = await asyncssh.listen('127.0.0.1', PORT, server_factory=Server, server_host_keys=HOST_KEYS,
                                   x509_trusted_certs=[TRUSTED_CA], process_factory=handle, encoding=None)
    # With PORT 0, the port the system gave it as it bound (2.10.1 has no get_port()).
    print(f'LISTENING {server.sockets[0].getsockname()[1]}', flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
