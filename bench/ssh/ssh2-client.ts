// The `ssh2` npm client (native crypto binding built) as a benchmark peer: one exec, output counted.
import { readFileSync } from 'node:fs';
import { Client } from 'ssh2';

export interface Ssh2Target {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly privateKeyPath: string;
  /** The server's host key blobs, compared byte for byte (ssh2 has no known_hosts). */
  readonly hostKeyBlobs: readonly Uint8Array[];
}

/** CPU milliseconds this process used since `from` (process.cpuUsage()), threads included. */
export function cpuMsSince(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

export interface ExecResult {
  readonly bytes: number;
  readonly code: number | undefined;
  readonly ms: number;
  /** CPU time the client used (user + system; for in-process clients, this process's whole usage meanwhile). */
  readonly cpuMs?: number;
}

/** Connect, authenticate, exec `command`, count stdout bytes, close. `ms` covers all of it. */
export function ssh2Exec(target: Ssh2Target, command: string, cipher?: string): Promise<ExecResult> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const expected = target.hostKeyBlobs.map((b) => Buffer.from(b));
  return new Promise((resolve, reject) => {
    const client = new Client();
    let bytes = 0;
    client.on('ready', () => {
      client.exec(command, (err, stream) => {
        if (err) { client.end(); reject(err); return; }
        stream.on('data', (d: Buffer) => { bytes += d.length; });
        stream.stderr.resume();
        stream.on('exit', (code: number | null) => {
          stream.on('close', () => { client.end(); resolve({ bytes, code: code ?? undefined, ms: performance.now() - start, cpuMs: cpuMsSince(cpu) }); });
        });
      });
    });
    client.on('error', reject);
    client.connect({
      host: target.host, port: target.port, username: target.user,
      privateKey: readFileSync(target.privateKeyPath),
      hostVerifier: (key: Buffer) => expected.some((e) => key.equals(e)),
      ...(cipher ? { algorithms: { cipher: [cipher as never] } } : {}),
    });
  });
}
