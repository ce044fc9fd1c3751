// One relay session: a WebSocket joined to one TCP connection, binary frames both ways,
// with backpressure on both sides and bounded buffers:
//  - TCP -> WebSocket: bytes handed to `ws.send` and not yet flushed to the client are
//    counted; above `highWaterMark` the TCP socket is paused, and resumed once they drain.
//  - WebSocket -> TCP: when `socket.write` returns false the WebSocket is paused (ws stops
//    reading its socket) until the TCP socket emits 'drain'.
// So a slow reader on either side stalls the other through TCP flow control, and the relay
// holds at most about highWaterMark + one frame per direction.
import type { Socket } from 'node:net';
import type { WebSocket, RawData } from 'ws';
import { CloseCode, closeCodeName } from './close-codes.ts';
import type { RelayError } from './errors.ts';

export interface SessionLimits {
  /** Bytes in flight to the client above which the TCP side is paused. */
  readonly highWaterMark: number;
  /** Close after this long with no data either way (0: never). */
  readonly idleTimeoutMs: number;
  /** Close after this long in total (0: never). */
  readonly maxDurationMs: number;
}

export interface SessionInfo {
  readonly id: string;
  /** Who authenticated: token subject, certificate subject, or null for anonymous. */
  readonly who: string | null;
  readonly from: string;
  readonly to: string;
  readonly address: string;
}

/** What is logged as the audit record when a session ends. Never payload. */
export interface SessionEnd extends SessionInfo {
  readonly bytesUp: number;
  readonly bytesDown: number;
  readonly durationMs: number;
  readonly closeCode: number;
  readonly closeName: string;
  readonly closeReason: string;
  readonly closedBy: 'client' | 'target' | 'relay';
}

export class Session {
  bytesUp = 0;
  bytesDown = 0;
  /** Bytes handed to ws.send and not yet flushed (the bounded TCP -> WebSocket buffer). */
  inFlight = 0;
  /** The largest inFlight seen, for tests and metrics. */
  peakInFlight = 0;
  private readonly started = Date.now();
  private lastActivity = Date.now();
  private ended = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private maxTimer: NodeJS.Timeout | undefined;
  private resolveDone!: (end: SessionEnd) => void;
  readonly done: Promise<SessionEnd> = new Promise((r) => { this.resolveDone = r; });
  /** Resolves when the WebSocket is fully closed (the closing handshake done, or dropped). */
  readonly wsClosed: Promise<void>;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Socket,
    readonly info: SessionInfo,
    private readonly limits: SessionLimits,
  ) {
    this.wsClosed = new Promise((r) => ws.once('close', () => r()));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.toClient(chunk));
    socket.on('drain', () => { if (this.ws.isPaused) this.ws.resume(); });
    socket.on('end', () => this.finish('target', CloseCode.NORMAL, 'The server closed the connection.'));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.finish('target', CloseCode.TARGET_RESET, `The server connection failed (${err.code ?? 'error'}).`);
    });
    socket.on('close', () => this.finish('target', CloseCode.TARGET_RESET, 'The server connection closed abruptly.'));
    ws.on('message', (data: RawData, isBinary: boolean) => this.toTarget(data, isBinary));
    ws.on('close', (code: number, reason: Buffer) => {
      const why = code === 1006 ? 'The client went away without closing.' : `The client closed the session${reason.length ? `: ${reason.toString('utf8').slice(0, 80)}` : '.'}`;
      this.finish('client', code, why);
    });
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.finish('relay', CloseCode.MESSAGE_TOO_BIG, 'A frame exceeded the maximum frame size.');
      else this.finish('relay', CloseCode.INTERNAL_ERROR, `WebSocket error: ${err.message.slice(0, 80)}`);
    });
    if (limits.idleTimeoutMs > 0) this.armIdle();
    if (limits.maxDurationMs > 0) {
      this.maxTimer = setTimeout(() => this.close('relay', CloseCode.SESSION_EXPIRED, 'The session reached its maximum duration.'), limits.maxDurationMs);
    }
  }

  /** Ends the session from the relay's side with a code from the close-code table. */
  fail(err: RelayError): void {
    this.close('relay', err.closeCode, err.message);
  }

  /** Closes both sides with this code and reason; the first ending wins. */
  close(by: SessionEnd['closedBy'], code: number, reason: string): void {
    if (this.ended) return;
    this.finish(by, code, reason);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  private toClient(chunk: Buffer): void {
    this.bytesDown += chunk.length;
    this.lastActivity = Date.now();
    const n = chunk.length;
    this.inFlight += n;
    if (this.inFlight > this.peakInFlight) this.peakInFlight = this.inFlight;
    this.ws.send(chunk, { binary: true }, () => {
      this.inFlight -= n;
      if (this.inFlight <= this.limits.highWaterMark / 2 && this.socket.isPaused() && !this.ended) this.socket.resume();
    });
    if (this.inFlight > this.limits.highWaterMark) this.socket.pause();
  }

  private toTarget(data: RawData, isBinary: boolean): void {
    if (!isBinary) {
      this.close('relay', CloseCode.UNSUPPORTED_DATA, 'Text frames are not supported: send binary frames.');
      return;
    }
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    this.bytesUp += buf.length;
    this.lastActivity = Date.now();
    if (!this.socket.write(buf)) this.ws.pause();
  }

  private armIdle(): void {
    const due = this.lastActivity + this.limits.idleTimeoutMs - Date.now();
    this.idleTimer = setTimeout(() => {
      if (Date.now() - this.lastActivity >= this.limits.idleTimeoutMs) {
        this.close('relay', CloseCode.IDLE_TIMEOUT, 'The session was idle too long.');
      } else {
        this.armIdle();
      }
    }, Math.max(due, 10));
    this.idleTimer.unref();
  }

  private finish(by: SessionEnd['closedBy'], code: number, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.maxTimer);
    if (by === 'client') {
      // Let bytes the client already sent reach the server, then close (FIN).
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 5000).unref();
    } else {
      this.socket.destroy();
      // ws queues the close frame after data already handed to send(), so the tail arrives.
      if (this.ws.readyState === this.ws.OPEN) this.ws.close(code, reason);
      else if (this.ws.readyState === this.ws.CONNECTING) this.ws.terminate();
    }
    this.resolveDone({
      ...this.info,
      bytesUp: this.bytesUp,
      bytesDown: this.bytesDown,
      durationMs: Date.now() - this.started,
      closeCode: code,
      closeName: closeCodeName(code),
      closeReason: reason,
      closedBy: by,
    });
  }
}
