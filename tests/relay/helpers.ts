// Helpers for the relay tests: local TCP targets (echo, flood) and a WebSocket client
// that collects what it receives and how the session closed.
import { createServer, type Server, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { startRelay, type LogRecord, type RelayConfigInput, type RelayHandle, type Resolver } from '../../relay/index.ts';

export interface TcpTarget {
  readonly port: number;
  readonly connections: Set<Socket>;
  /** Total connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

/** A TCP server on loopback that runs `onConnection` for each client. */
export async function startTcpTarget(onConnection: (socket: Socket) => void): Promise<TcpTarget> {
  const connections = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted++;
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    socket.on('error', () => { /* the test looks at what the relay did */ });
    onConnection(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return {
    port: address.port,
    connections,
    accepted: () => accepted,
    close: () => new Promise<void>((r) => { for (const s of connections) s.destroy(); server.close(() => r()); }),
  };
}

/** Echoes every byte back. */
export const startEchoServer = (): Promise<TcpTarget> => startTcpTarget((s) => s.pipe(s));

export interface Closed { readonly code: number; readonly reason: string }

export interface TestClient {
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<Closed>;
  /** All binary data received so far. */
  received(): Buffer;
  /** Resolves once at least n bytes have arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<Buffer>;
}

export function openClient(url: string, protocols?: string | string[], options: ConstructorParameters<typeof WebSocket>[2] = {}): TestClient {
  const ws = new WebSocket(url, protocols, options);
  const chunks: Buffer[] = [];
  let total = 0;
  const waiters = new Set<() => void>();
  ws.binaryType = 'nodebuffer';
  ws.on('message', (data: Buffer) => { chunks.push(data); total += data.length; for (const w of waiters) w(); });
  const opened = new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  opened.catch(() => { /* reported through closed as well */ });
  const closed = new Promise<Closed>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })));
  ws.on('error', () => { /* closed resolves */ });
  const received = () => Buffer.concat(chunks);
  return {
    ws, opened, closed, received,
    waitFor(n, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => { if (total >= n) { done(); resolve(received()); } };
        const timer = setTimeout(() => { done(); reject(new Error(`only ${total} of ${n} bytes arrived within ${timeoutMs} ms`)); }, timeoutMs);
        const done = () => { clearTimeout(timer); waiters.delete(check); };
        waiters.add(check);
        check();
      });
    },
  };
}

export interface TestRelay extends RelayHandle {
  readonly logs: LogRecord[];
  /** The first log record of this event matching `fields`, waiting for it briefly. */
  logged(event: string, fields?: Record<string, unknown>, timeoutMs?: number): Promise<LogRecord>;
  readonly http: string;
}

/** A relay on a free loopback port, logging into memory, serving no page unless asked. */
export async function startTestRelay(config: RelayConfigInput = {}, resolver?: Resolver): Promise<TestRelay> {
  const logs: LogRecord[] = [];
  const relay = await startRelay({
    config: { listen: { host: '127.0.0.1', port: 0 }, static: { dir: null }, ...config },
    ...(resolver ? { resolver } : {}),
    log: (r) => logs.push(r),
  });
  const matches = (r: LogRecord, event: string, fields: Record<string, unknown>) =>
    r.event === event && Object.entries(fields).every(([k, v]) => r[k] === v);
  return Object.assign(Object.create(relay) as RelayHandle, relay, {
    logs,
    http: relay.url.replace(/^ws/, 'http'),
    async logged(event: string, fields: Record<string, unknown> = {}, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = logs.find((r) => matches(r, event, fields));
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`no '${event}' log line with ${JSON.stringify(fields)}; got:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  });
}
