// The relay server: HTTP (page, health, metrics, site policy, revocation) and WebSocket
// upgrades on one port, plain or TLS. Each upgrade is admitted — limits, origin,
// authentication, target allowlist, one DNS resolution, every address checked, the checked
// address connected to — and then joined to its TCP connection by a Session.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { TargetAllowlist } from './allowlist.ts';
import { Authenticator } from './auth.ts';
import { checkOrigin, ClientAddressing } from './client-address.ts';
import { perIpKey } from './client-key.ts';
import { CidrSet } from './address.ts';
import { CloseCode } from './close-codes.ts';
import { closeReason } from './close-reason.ts';
import type { RelayConfig, RelayConfigInput } from './config.ts';
import { resolveConfig } from './config-file.ts';
import { ConnectionGate } from './connection-gate.ts';
import { connectChecked, resolveTarget, systemResolver, type Resolver } from './connect-target.ts';
import { RelayError } from './errors.ts';
import { httpHandler, misdirected } from './http-routes.ts';
import { Logger, stdoutSink, type LogSink } from './log.ts';
import { RelayMetrics } from './metrics.ts';
import { PublicHosts } from './public-hosts.ts';
import { ReadBuffer } from './read-buffer.ts';
import { redactUrl } from './redact-url.ts';
import { RevocationFetcher } from './revocation.ts';
import { Session } from './session.ts';
import { formatTarget, parseTarget } from './target.ts';

export interface RelayOptions {
  /** A validated configuration (loadConfigFile) or a partial one, validated here. */
  readonly config?: RelayConfig | RelayConfigInput;
  readonly resolver?: Resolver;
  /** Where the JSON log lines go (default: stdout). */
  readonly log?: LogSink;
}

export interface RelayHandle {
  readonly port: number;
  /** The base WebSocket URL, e.g. ws://127.0.0.1:8080 (append /ssh?host=...&port=...). */
  readonly url: string;
  readonly config: RelayConfig;
  /** Live sessions (for tests and diagnostics). */
  sessions(): readonly Session[];
  /** Stops accepting, lets sessions run up to `drainMs`, then closes them with 1001. */
  close(options?: { drainMs?: number }): Promise<void>;
}

/**
 * Reads from a target (read-buffer.ts) grow while they come back full, to 256 KiB, but
 * never beyond the maximum frame size (each read is one frame) or the high-water mark (so
 * a session holds at most about twice that towards its client).
 */
function readBufferFor(limits: RelayConfig['limits']): ReadBuffer {
  return new ReadBuffer(Math.min(256 * 1024, limits.maxFrameBytes, limits.highWaterMark));
}

/** Subprotocols the relay may select: websockify's, then its own. */
const PROTOCOLS = ['binary', 'tessera.v1'];

function toBuffer(data: RawData): Buffer {
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
}

/** Starts a relay; resolves once it listens. Throws RelayConfigError for a bad configuration. */
export async function startRelay(options: RelayOptions = {}): Promise<RelayHandle> {
  const config = resolveConfig(options.config ?? {});
  const allowlist = new TargetAllowlist(config.targets.allow, config.targets.allowPrivate);
  const resolver = options.resolver ?? systemResolver;
  const log = new Logger(options.log ?? stdoutSink, config.log.level);
  const auth = await Authenticator.create(config);
  const metrics = new RelayMetrics();
  const addressing = new ClientAddressing(config.trustedProxies, config.tls !== null);
  const revocation = new RevocationFetcher(config.revocation, log, metrics, config.limits.requestTimeoutMs);
  let boundPort = 0;
  const publicHosts = new PublicHosts(config.publicHosts, config.listen.host, () => boundPort);
  const sessions = new Set<Session>();
  /** Sessions per client: per IPv4 address, per IPv6 /64 (client-key.ts). */
  const perIp = new Map<string, number>();
  let admitting = 0;
  let draining = false;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.limits.maxFrameBytes,
    perMessageDeflate: false,
    handleProtocols: (offered) => PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });

  const handler = httpHandler({
    config, addressing, revocation, publicHosts,
    misdirected: () => metrics.refused('MISDIRECTED'),
    isDraining: () => draining,
    metricsText: () => {
      let bytesUp = 0;
      let bytesDown = 0;
      for (const s of sessions) { bytesUp += s.bytesUp; bytesDown += s.bytesDown; }
      return metrics.render({ active: sessions.size, bytesUp, bytesDown, draining });
    },
  });
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handler(req, res).catch((err: unknown) => {
      log.error('http-error', { url: redactUrl(req.url ?? ''), error: String(err).slice(0, 200) });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
  // A client must send its whole request (or upgrade) within requestTimeoutMs (node answers 408 and
  // closes), checked often enough that a slow sender (slowloris) is gone soon after it; node's
  // defaults give it 60 s, checked every 30 s.
  const timeout = config.limits.requestTimeoutMs;
  const timeouts = { headersTimeout: timeout, requestTimeout: timeout, connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(timeout / 4))) };
  const server: Server = config.tls
    ? createTlsServer({
      cert: readFileSync(config.tls.cert),
      key: readFileSync(config.tls.key),
      ...(config.tls.clientCa ? { ca: readFileSync(config.tls.clientCa), requestCert: true, rejectUnauthorized: false } : {}),
      handshakeTimeout: timeout,
      ...timeouts,
    }, onRequest)
    : createServer(timeouts, onRequest);

  // Open connections, per client and in all (connection-gate.ts): each holds a file descriptor
  // from its first moment, before any request, authentication or session limit applies.
  const lim = config.limits;
  const proxies = new CidrSet();
  for (const p of config.trustedProxies) proxies.add(p);
  const gate = new ConnectionGate(lim.perIpConnections === 0 || lim.perIp === 0 ? lim.perIpConnections : Math.max(lim.perIpConnections, lim.perIp + 16), proxies);
  if (lim.maxConnections > 0) server.maxConnections = lim.global === 0 ? lim.maxConnections : Math.max(lim.maxConnections, lim.global + 1024);
  server.on('drop', () => metrics.connectionRefused('global'));
  server.on('connection', (socket: Socket) => {
    if (gate.admit(socket)) return;
    metrics.connectionRefused('per_ip');
    socket.destroy();
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // First of all: node's HTTP server drops its own socket error handler when it hands over an
    // upgrade, so a client reset (ECONNRESET) on any path below would otherwise be uncaught.
    socket.on('error', () => { /* the session or the refusal reports it */ });
    if (draining) {
      // Shutting down: no new sessions here; the load balancer will pick another relay.
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const where = addressing.of(req);
    if (!publicHosts.admits(where)) {
      // Not meant for this relay (a DNS-rebound name, public-hosts.ts): 421, RFC 9110 §15.5.20.
      metrics.refused('MISDIRECTED');
      log.warn('misdirected', { from: where.ip, host: where.host.slice(0, 200), url: redactUrl(req.url ?? ''), origin: req.headers.origin ?? null });
      const body = `${misdirected(where.host)}\n`;
      socket.end(`HTTP/1.1 421 Misdirected Request\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      // admit() reports its own refusals; anything thrown past that must not become an
      // unhandled rejection, which would end the process and every session in it.
      admit(ws, socket, req).catch((err: unknown) => {
        log.error('admit-error', { url: redactUrl(req.url ?? ''), error: String(err).slice(0, 200) });
        try {
          if (ws.readyState === ws.OPEN) ws.close(CloseCode.INTERNAL_ERROR, 'The relay failed to open the session.');
          else ws.terminate();
        } catch {
          ws.terminate();
        }
      });
    });
  });

  // Heartbeat: a client that vanished without closing (no FIN) misses a pong and is dropped.
  const alive = new WeakSet<WebSocket>();
  const heartbeat = config.limits.pingIntervalMs > 0 ? setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) { ws.terminate(); continue; }
      alive.delete(ws);
      ws.ping();
    }
  }, config.limits.pingIntervalMs) : undefined;
  heartbeat?.unref();

  async function admit(ws: WebSocket, clientSocket: Duplex, req: IncomingMessage): Promise<void> {
    const id = randomUUID();
    const where = addressing.of(req);
    const from = where.ip;
    const client = perIpKey(from);
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
    // Hold what the client sends during admission; stop reading beyond the high-water mark.
    const pending: Buffer[] = [];
    let pendingBytes = 0;
    let sawText = false;
    let tooBig = false;
    const hold = (data: RawData, isBinary: boolean) => {
      if (!isBinary) sawText = true;
      const buf = toBuffer(data);
      pending.push(buf);
      pendingBytes += buf.length;
      if (pendingBytes > config.limits.highWaterMark) ws.pause();
    };
    ws.on('message', hold);
    ws.on('error', (err: Error & { code?: string }) => { if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') tooBig = true; });
    let counted = false;
    let who: string | null = null;
    let to = '';
    admitting++;
    try {
      if (config.limits.global > 0 && sessions.size + admitting > config.limits.global) {
        throw new RelayError('LIMIT_GLOBAL', 'The relay is at its session limit; try again later.');
      }
      const perIpNow = perIp.get(client) ?? 0;
      if (config.limits.perIp > 0 && perIpNow >= config.limits.perIp) {
        throw new RelayError('LIMIT_PER_IP', 'Too many sessions from your address.');
      }
      perIp.set(client, perIpNow + 1);
      counted = true;
      checkOrigin(req, where, config.origins, publicHosts);
      who = auth.authenticate(req, new URL(req.url ?? '/', 'http://relay.invalid'));
      const target = parseTarget(req.url ?? '/');
      to = formatTarget(target.host, target.port);
      const addresses = await resolveTarget(target, allowlist, resolver, config.limits.connectTimeoutMs);
      const reader = readBufferFor(config.limits);
      const { socket, address } = await connectChecked(addresses, target.port, config.limits.connectTimeoutMs, reader.onread);
      if (ws.readyState !== ws.OPEN || draining) {
        socket.destroy();
        throw new RelayError(tooBig ? 'MESSAGE_TOO_BIG' : 'TARGET_UNREACHABLE', tooBig ? 'A frame exceeded the maximum frame size.' : 'The session ended before the server connection was made.');
      }
      ws.off('message', hold);
      const session = new Session(ws, clientSocket, socket, reader, { id, who, from, to, address }, config.limits);
      sessions.add(session);
      metrics.sessionsTotal++;
      admitting--;
      counted = false;
      log.debug('session-open', { id, who, from, to, address });
      if (sawText) session.close('relay', CloseCode.UNSUPPORTED_DATA, 'Text frames are not supported: send binary frames.');
      for (const buf of pending) if (!session.isEnded) socket.write(buf);
      session.bytesUp += pendingBytes;
      if (ws.isPaused) ws.resume();
      const end = await session.done;
      sessions.delete(session);
      release(client);
      metrics.ended(end);
      log.info('session', { ...end });
    } catch (err) {
      if (counted) release(client);
      admitting--;
      const e = err instanceof RelayError ? err : new RelayError('INTERNAL_ERROR', 'The relay failed to open the session.');
      metrics.refused(e.code);
      log.warn('refused', { id, who, from, to: to || null, url: redactUrl(req.url ?? ''), origin: req.headers.origin ?? null, code: e.code, closeCode: e.closeCode, reason: e.message });
      if (ws.readyState === ws.OPEN) ws.close(e.closeCode, closeReason(e.message)); // RFC 6455 §5.5.1: at most 123 bytes
      else ws.terminate();
    }
  }

  function release(client: string): void {
    const n = (perIp.get(client) ?? 1) - 1;
    if (n <= 0) perIp.delete(client);
    else perIp.set(client, n);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => { server.off('error', reject); resolve(); });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.listen.port;
  boundPort = port;
  const host = config.listen.host === '0.0.0.0' ? '127.0.0.1' : config.listen.host === '::' ? '::1' : config.listen.host;
  const url = `${config.tls ? 'wss' : 'ws'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info('listening', { url, tls: config.tls !== null, auth: config.auth.mode, allow: config.targets.allow, publicHosts: config.publicHosts, static: config.static.dir });

  let closing: Promise<void> | undefined;
  return {
    port,
    url,
    config,
    sessions: () => [...sessions],
    close(opts = {}) {
      closing ??= (async () => {
        draining = true;
        const drainMs = opts.drainMs ?? config.limits.drainTimeoutMs;
        log.info('shutdown', { sessions: sessions.size, drainMs });
        const all = () => Promise.all([...sessions].map((s) => s.done));
        let timer: NodeJS.Timeout | undefined;
        const wait = (ms: number) => new Promise<void>((r) => { timer = setTimeout(r, ms); });
        await Promise.race([all(), wait(drainMs)]);
        clearTimeout(timer);
        const closing = [...sessions];
        for (const s of closing) s.close('relay', CloseCode.GOING_AWAY, 'The relay is shutting down; reconnect.');
        // Give clients a moment to answer the close frame (RFC 6455 §7.1.1), then drop what is left.
        await Promise.race([Promise.all(closing.map((s) => s.wsClosed)), wait(2000)]);
        clearTimeout(timer);
        for (const ws of wss.clients) ws.terminate();
        clearInterval(heartbeat);
        // The listener stayed open while draining so /healthz could answer 503.
        const serverClosed = new Promise<void>((r) => server.close(() => r()));
        server.closeAllConnections();
        await serverClosed;
        log.info('stopped', {});
      })();
      return closing;
    },
  };
}
