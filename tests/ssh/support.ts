// Shared helpers for the interop tests: host keys pinned to what the harness generated,
// transport/client connections over TCP or the relay, and exec with collected output.
import { connectRelay, connectTcp, type NetByteStream } from '../../cli/net-stream.ts';
import { Transport, authenticate, parsePrivateKeyFile, type HostKeyInfo, type TransportOptions } from '../../ssh-proto/index.ts';
import type { KeyPair, SshServerPeer } from '../peers/index.ts';
import { readFileSync } from 'node:fs';

/** Where tests reach a server: directly, or through a relay at `relayUrl`. */
export interface Route { readonly relayUrl?: string }

/** Trusts exactly the server's own host keys (or its certificates), byte for byte, and records what it saw. */
export function pinnedHostKeys(server: SshServerPeer, seen: HostKeyInfo[] = []): (key: HostKeyInfo) => Promise<void> {
  const known = server.hostKeys.flatMap(({ key, certificate }) => [
    Buffer.from(key.blob).toString('base64'),
    ...(certificate ? [certificate.line.split(/\s+/)[1] ?? ''] : []),
  ]);
  return async (key) => {
    seen.push(key);
    if (!known.includes(Buffer.from(key.blob).toString('base64'))) throw new Error(`unexpected host key ${key.algorithm}`);
  };
}

export async function openStream(server: SshServerPeer, route: Route = {}): Promise<NetByteStream> {
  return route.relayUrl
    ? connectRelay(route.relayUrl, server.host, server.port, { timeoutMs: 5000 })
    : connectTcp(server.host, server.port, { timeoutMs: 5000 });
}

export async function signerFor(key: KeyPair) {
  return parsePrivateKeyFile(readFileSync(key.privatePath, 'utf8'), key.passphrase);
}

/** Transport + publickey auth: proves the negotiated algorithms carry encrypted traffic both ways. */
export async function transportAndAuth(server: SshServerPeer, key: KeyPair, options: Partial<TransportOptions>, route: Route = {}): Promise<Transport> {
  const stream = await openStream(server, route);
  try {
    const transport = await Transport.connect(stream, { verifyHostKey: pinnedHostKeys(server), handshakeTimeoutMs: 20_000, ...options });
    try {
      await authenticate(transport, { username: server.user, methods: [{ type: 'publickey', signer: await signerFor(key) }] });
    } catch (err) {
      await transport.close().catch(() => undefined);
      throw err;
    }
    return transport;
  } catch (err) {
    stream.destroy();
    throw err;
  }
}
