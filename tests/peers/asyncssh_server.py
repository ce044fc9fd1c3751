#!/usr/bin/python3
"""AsyncSSH test server for Tessera (Debian python3-asyncssh 2.10.1, run with /usr/bin/python3).

Usage: asyncssh_server.py PORT USER PASSWORD AUTHORIZED_KEYS HOSTKEY [HOSTKEY...]
Accepts publickey (from AUTHORIZED_KEYS, re-read on each connection) and password logins
for USER, runs exec requests with /bin/sh and prints "LISTENING <port>" once ready: with PORT 0,
the port the system gave it as it bound.
With TESSERA_OTP set, the password is asked only through keyboard-interactive (RFC 4256), in
one round with a one-time code, echoed ("Verification code: "), that must equal TESSERA_OTP.
"""
import asyncio
import os
import sys
import warnings

warnings.filterwarnings('ignore')  # Debian's cryptography warns about Blowfish/CAST5 imports.
import asyncssh  # noqa: E402

PORT, USER, PASSWORD, AUTHORIZED_KEYS = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
HOST_KEYS = sys.argv[5:]
OTP = os.environ.get('TESSERA_OTP')


class Server(asyncssh.SSHServer):
    def begin_auth(self, username):
        if username != USER:
            return True
        try:
            self._conn.set_authorized_keys(AUTHORIZED_KEYS)
        except ValueError:  # AsyncSSH refuses a file without entries: no key is authorized
            pass
        return True

    def connection_made(self, conn):
        self._conn = conn

    def password_auth_supported(self):
        return OTP is None

    def validate_password(self, username, password):
        return username == USER and password == PASSWORD

    def kbdint_auth_supported(self):
        return OTP is not None

    def get_kbdint_challenge(self, username, lang, submethods):
        return ('', 'Two factors: your password and the code from your token.', '',
                [('Password: ', False), ('Verification code: ', True)])

    def validate_kbdint_response(self, username, responses):
        return username == USER and list(responses) == [PASSWORD, OTP]


async def handle(process):
    command = process.command
    if command is None:
        process.stdout.write(b'tessera asyncssh test server: exec only\r\n')  # bytes: the server runs with encoding=None
        process.exit(0)
        return
    proc = await asyncio.create_subprocess_shell(
        command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    await process.redirect(stdin=proc.stdin, stdout=proc.stdout, stderr=proc.stderr)
    code = await proc.wait()
    await process.stdout.drain()
    process.exit(code if code >= 0 else 255)


async def main():
    server = await asyncssh.listen('127.0.0.1', PORT, server_factory=Server, server_host_keys=HOST_KEYS,
                                   process_factory=handle, encoding=None)
    print(f'LISTENING {server.sockets[0].getsockname()[1]}', flush=True)  # 2.10.1 has no get_port()
    await asyncio.Event().wait()


asyncio.run(main())
