// The full client (ssh-proto/client.ts) for the interop tests: log in, exec, collect output.
import { connect, type AuthMethod, type SshClient, type ConnectOptions, type ClientEvent, type HostKeyInfo } from '../../ssh-proto/index.ts';
import type { KeyPair, SshServerPeer } from '../peers/index.ts';
import { openStream, pinnedHostKeys, signerFor, type Route } from './support.ts';

export interface ClientSetup {
  readonly key?: KeyPair;
  readonly methods?: readonly AuthMethod[];
  readonly verifyHostKey?: (key: HostKeyInfo) => Promise<void>;
  readonly route?: Route;
  readonly events?: ClientEvent[];
  readonly extra?: Partial<Omit<ConnectOptions, 'username' | 'auth' | 'verifyHostKey'>>;
}

/** The full client (ssh-proto/client.ts) logged in as the test account. */
export async function clientFor(server: SshServerPeer, setup: ClientSetup): Promise<SshClient> {
  const stream = await openStream(server, setup.route);
  const methods: AuthMethod[] = [...(setup.methods ?? [])];
  if (setup.key) methods.unshift({ type: 'publickey', signer: await signerFor(setup.key) });
  try {
    return await connect(stream, {
      username: server.user,
      auth: { methods },
      verifyHostKey: setup.verifyHostKey ?? pinnedHostKeys(server),
      handshakeTimeoutMs: 20_000,
      ...(setup.events ? { onEvent: (e: ClientEvent) => setup.events?.push(e) } : {}),
      ...(setup.extra ?? {}),
    });
  } catch (err) {
    stream.destroy();
    throw err;
  }
}

export interface ExecOutput { readonly stdout: Buffer; readonly stderr: string; readonly code: number | undefined; readonly signal: string | undefined }

/** Reads a stream to its end. */
export async function collect(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  return Buffer.concat(parts);
}

/** Runs `command`, optionally feeding `stdin`, and collects everything it printed. */
export async function execCollect(client: SshClient, command: string, stdin?: Uint8Array): Promise<ExecOutput> {
  const session = await client.exec(command);
  // Read while writing: the remote `cat` stops when its output is not consumed (flow control).
  const reading = Promise.all([collect(session.stdout), collect(session.stderr), session.exit]);
  const writer = session.stdin.getWriter();
  for (let at = 0; stdin && at < stdin.length; at += 1 << 20) await writer.write(stdin.subarray(at, at + (1 << 20)));
  await writer.close();
  const [stdout, stderr, exit] = await reading;
  return { stdout, stderr: stderr.toString('utf8'), code: exit.code, signal: exit.signal };
}
