// The relay server: HTTP (the built page, /healthz) and WebSocket upgrades on one port.
// Each upgrade is admitted (target parsed, allowlisted, resolved once, every address checked,
// the checked address connected to) and then joined to its TCP connection by a Session.
import { randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { normalizeIp } from './address.ts';
import { TargetAllowlist } from './allowlist.ts';
import { CloseCode } from './close-codes.ts';
import { DEFAULT_CONFIG, mergeConfig, type RelayConfig, type RelayConfigInput } from './config.ts';
import { RelayError } from './errors.ts';
import { Logger, stdoutSink, type LogSink } from './log.ts';
import { Session, type SessionEnd } from './session.ts';
import { securityHeaders, serveStatic } from './static.ts';
import { formatTarget, parseTarget } from './target.ts';

export interface ResolvedAddress { readonly address: string; readonly family: 4 | 6 }
/** Resolves a host name once per connection. Injectable so tests can simulate DNS rebinding. */
export type Resolver = (host: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export interface RelayOptions {
  readonly config?: RelayConfigInput;
  readonly resolver?: Resolver;
  /** Where the JSON log lines go (default: stdout). */
  readonly log?: LogSink;
}

export interface RelayHandle {
  readonly port: number;
  /** The base WebSocket URL, e.g. ws://127.0.0.1:8080 (append /ssh?host=...&port=...). */
  readonly url: string;
  /** Live sessions (for tests and diagnostics). */
  sessions(): readonly Session[];
  /** Stops accepting, lets sessions run up to `drainMs`, then closes them with 1001. */
  close(options?: { drainMs?: number }): Promise<void>;
}

/** Starts a relay; resolves once it listens. */
export async function startRelay(options: RelayOptions = {}): Promise<RelayHandle> {
  const config: RelayConfig = mergeConfig(DEFAULT_CONFIG, options.config ?? {});
  const allowlist = new TargetAllowlist(config.targets.allow, config.targets.allowPrivate);
  const resolver = options.resolver ?? systemResolver;
  const log = new Logger(options.log ?? stdoutSink);
  const headers = securityHeaders({ csp: config.static.csp, tls: false });
  const sessions = new Set<Session>();
  const perIp = new Map<string, number>();
  let admitting = 0;
  let draining = false;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.limits.maxFrameBytes,
    perMessageDeflate: false,
    // websockify compatibility: accept its `binary` subprotocol; otherwise none.
    handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false),
  });

  const server: Server = createServer((req, res) => { void handleHttp(req, res); });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(draining ? 503 : 200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(draining ? 'draining\n' : 'ok\n');
      return;
    }
    if (config.static.dir !== null && await serveStatic(config.static.dir, req, res)) return;
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('Not found.\n');
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (draining) { socket.destroy(); return; }
    wss.handleUpgrade(req, socket, head, (ws) => { void admit(ws, req); });
  });

  function clientIp(req: IncomingMessage): string {
    return normalizeIp(req.socket.remoteAddress ?? '')?.address ?? 'unknown';
  }

  async function admit(ws: WebSocket, req: IncomingMessage): Promise<void> {
    const id = randomUUID();
    const from = clientIp(req);
    // Hold what the client sends during admission; pause reading beyond the bound.
    const pending: Buffer[] = [];
    let pendingBytes = 0;
    let sawText = false;
    const hold = (data: RawData, isBinary: boolean) => {
      if (!isBinary) sawText = true;
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      pending.push(buf);
      pendingBytes += buf.length;
      if (pendingBytes > config.limits.highWaterMark) ws.pause();
    };
    ws.on('message', hold);
    ws.on('error', () => { /* reported by the session, or the admission's refusal */ });
    let counted = false;
    admitting++;
    try {
      const perIpNow = perIp.get(from) ?? 0;
      if (config.limits.global > 0 && sessions.size + admitting > config.limits.global) {
        throw new RelayError('LIMIT_GLOBAL', 'The relay is at its session limit; try again later.');
      }
      if (config.limits.perIp > 0 && perIpNow >= config.limits.perIp) {
        throw new RelayError('LIMIT_PER_IP', 'Too many sessions from your address.');
      }
      perIp.set(from, perIpNow + 1);
      counted = true;
      const target = parseTarget(req.url ?? '/');
      const to = formatTarget(target.host, target.port);
      if (!allowlist.admits(target.host, target.port)) {
        throw new RelayError('TARGET_FORBIDDEN', `The relay does not allow ${to.slice(0, 60)}.`);
      }
      const literal = normalizeIp(target.host);
      let addresses: readonly ResolvedAddress[];
      if (literal) {
        addresses = [{ address: literal.address, family: literal.family === 'ipv6' ? 6 : 4 }];
      } else {
        try {
          addresses = await resolver(target.host);
        } catch {
          addresses = [];
        }
        if (addresses.length === 0) throw new RelayError('DNS_FAILED', `The name ${target.host.slice(0, 60)} did not resolve.`);
      }
      // Every address must pass: a name answering with one public and one private address is refused.
      for (const a of addresses) {
        const verdict = allowlist.check(target.host, target.port, a.address);
        if (verdict === 'PRIVATE_ADDRESS') throw new RelayError('PRIVATE_ADDRESS', `${to.slice(0, 60)} resolves to a private address the relay may not reach.`);
        if (verdict !== 'allowed') throw new RelayError('TARGET_FORBIDDEN', `The relay does not allow ${to.slice(0, 60)}.`);
      }
      const first = addresses[0];
      if (!first) throw new RelayError('DNS_FAILED', `The name ${target.host.slice(0, 60)} did not resolve.`);
      // Connect to the address that was checked, never to the name again (no DNS rebinding).
      const socket = await connectTcp(first.address, target.port, config.limits.connectTimeoutMs);
      if (ws.readyState !== ws.OPEN || draining) {
        socket.destroy();
        throw new RelayError('TARGET_UNREACHABLE', 'The session ended before the server connection was made.');
      }
      ws.off('message', hold);
      const session = new Session(ws, socket, { id, who: null, from, to, address: first.address }, config.limits);
      sessions.add(session);
      admitting--;
      counted = false;
      if (sawText) session.close('relay', CloseCode.UNSUPPORTED_DATA, 'Text frames are not supported: send binary frames.');
      for (const buf of pending) if (!session.isEnded) socket.write(buf);
      if (ws.isPaused) ws.resume();
      session.bytesUp += pendingBytes;
      const end = await session.done;
      sessions.delete(session);
      release(from);
      audit(end);
    } catch (err) {
      if (counted) release(from);
      admitting--;
      const e = err instanceof RelayError ? err : new RelayError('INTERNAL_ERROR', 'The relay failed to open the session.');
      log.warn('refused', { id, from, url: (req.url ?? '').slice(0, 200), code: e.code, closeCode: e.closeCode, reason: e.message });
      if (ws.readyState === ws.OPEN) ws.close(e.closeCode, e.message);
      else ws.terminate();
    }
  }

  function release(from: string): void {
    const n = (perIp.get(from) ?? 1) - 1;
    if (n <= 0) perIp.delete(from);
    else perIp.set(from, n);
  }

  function audit(end: SessionEnd): void {
    log.info('session', { ...end });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => { server.off('error', reject); resolve(); });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.listen.port;
  const hostForUrl = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
  const url = `ws://${hostForUrl === '0.0.0.0' ? '127.0.0.1' : hostForUrl}:${port}`;
  log.info('listening', { url, allow: config.targets.allow, static: config.static.dir });

  let closing: Promise<void> | undefined;
  return {
    port,
    url,
    sessions: () => [...sessions],
    close(opts = {}) {
      closing ??= (async () => {
        draining = true;
        const drainMs = opts.drainMs ?? config.limits.drainTimeoutMs;
        const serverClosed = new Promise<void>((r) => server.close(() => r()));
        log.info('shutdown', { sessions: sessions.size, drainMs });
        const all = () => Promise.all([...sessions].map((s) => s.done));
        await Promise.race([all(), new Promise((r) => setTimeout(r, drainMs))]);
        for (const s of sessions) s.close('relay', CloseCode.GOING_AWAY, 'The relay is shutting down; reconnect.');
        // Give clients a moment to answer the close frame, then drop what is left.
        await Promise.race([all(), new Promise((r) => setTimeout(r, 2000))]);
        for (const ws of wss.clients) ws.terminate();
        server.closeAllConnections();
        await serverClosed;
      })();
      return closing;
    },
  };
}

function connectTcp(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new RelayError('TARGET_UNREACHABLE', `The server did not answer within ${timeoutMs} ms.`));
    }, timeoutMs);
    socket.once('connect', () => { clearTimeout(timer); socket.removeAllListeners('error'); resolve(socket); });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new RelayError('TARGET_UNREACHABLE', `The server could not be reached (${err.code ?? 'error'}).`));
    });
  });
}
