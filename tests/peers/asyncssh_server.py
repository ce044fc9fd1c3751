#!/usr/bin/python3
"""AsyncSSH test server for Tessera (Debian python3-asyncssh 2.10.1, run with /usr/bin/python3).

Usage: asyncssh_server.py PORT USER PASSWORD AUTHORIZED_KEYS HOSTKEY [HOSTKEY...]
Accepts publickey (from AUTHORIZED_KEYS, re-read on each connection) and password logins
for USER, runs exec requests with /bin/sh and prints "LISTENING <port>" once ready.
X.509 (RFC 6187) host and client certificates come with a later issue.
"""
import asyncio
import sys
import warnings

warnings.filterwarnings('ignore')  # Debian's cryptography warns about Blowfish/CAST5 imports.
import asyncssh  # noqa: E402

PORT, USER, PASSWORD, AUTHORIZED_KEYS = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
HOST_KEYS = sys.argv[5:]


class Server(asyncssh.SSHServer):
    def begin_auth(self, username):
        if username != USER:
            return True
        self._conn.set_authorized_keys(AUTHORIZED_KEYS)
        return True

    def connection_made(self, conn):
        self._conn = conn

    def password_auth_supported(self):
        return True

    def validate_password(self, username, password):
        return username == USER and password == PASSWORD


async def handle(process):
    command = process.command
    if command is None:
        process.stdout.write('tessera asyncssh test server: exec only\n')
        process.exit(0)
        return
    proc = await asyncio.create_subprocess_shell(
        command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    await process.redirect(stdin=proc.stdin, stdout=proc.stdout, stderr=proc.stderr)
    code = await proc.wait()
    await process.stdout.drain()
    process.exit(code if code >= 0 else 255)


async def main():
    await asyncssh.listen('127.0.0.1', PORT, server_factory=Server, server_host_keys=HOST_KEYS,
                          process_factory=handle, encoding=None)
    print(f'LISTENING {PORT}', flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
