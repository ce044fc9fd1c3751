// One relay session: a WebSocket joined to one TCP connection, binary frames both ways,
// with backpressure on both sides and bounded buffers:
//  - TCP -> WebSocket: each read from the target (read-buffer.ts: up to the read buffer's
//    size, itself at most the maximum frame size) is sent as one frame. Bytes handed to
//    `ws.send` and not yet written to the client's socket (ws.bufferedAmount) are the
//    bounded buffer: above `highWaterMark` the TCP socket is paused, and it is resumed when
//    the client's socket drains. No per-frame callback or closure.
//  - WebSocket -> TCP: when `socket.write` returns false the WebSocket is paused (ws stops
//    reading its socket) until the TCP socket emits 'drain'.
// So a slow reader on either side stalls the other through TCP flow control, and the relay
// holds at most about highWaterMark + one read per direction (a read is at most the
// high-water mark and the maximum frame size, see server.ts).
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocket, RawData } from 'ws';
import { CloseCode, closeCodeName } from './close-codes.ts';
import { closeReason } from './close-reason.ts';
import type { RelayError } from './errors.ts';
import type { ReadBuffer } from './read-buffer.ts';
import { ReadPacing } from './read-pacing.ts';

export interface SessionLimits {
  /** Bytes in flight to the client above which the TCP side is paused. */
  readonly highWaterMark: number;
  /** Close after this long with no data either way (0: never). */
  readonly idleTimeoutMs: number;
  /** Close after this long in total (0: never). */
  readonly maxDurationMs: number;
  /** Pause between reads of bulk output (read-pacing.ts; 0: off). */
  readonly bulkReadPauseMs: number;
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

const SEND_BINARY = { binary: true } as const;

export class Session {
  bytesUp = 0;
  bytesDown = 0;
  /** WebSocket frames sent to the client (one per read from the target). */
  framesDown = 0;
  /** The largest inFlight seen, for tests and metrics. */
  peakInFlight = 0;
  /**
   * Pause the target above this many queued bytes: the high-water mark, but at least the
   * client socket's own, so that the write which crossed it returned false and 'drain' follows.
   */
  private readonly pauseAbove: number;
  private readonly started = Date.now();
  private lastActivity = Date.now();
  private ended = false;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Bulk output: pauses between reads so that each takes more bytes (read-pacing.ts). */
  private readonly pacing: ReadPacing;
  private paceTimer: NodeJS.Timeout | undefined;
  /** Paused because the client is slow (its socket's 'drain' resumes). */
  private blocked = false;
  private maxTimer: NodeJS.Timeout | undefined;
  private resolveDone!: (end: SessionEnd) => void;
  readonly done: Promise<SessionEnd> = new Promise((r) => { this.resolveDone = r; });
  /** Resolves when the WebSocket is fully closed (the closing handshake done, or dropped). */
  readonly wsClosed: Promise<void>;

  /**
   * @param ws the client's WebSocket; `clientSocket` is the connection it runs on (its
   *   'drain' resumes the target).
   * @param socket the target connection, created paused with `reader`'s onread options.
   */
  constructor(
    private readonly ws: WebSocket,
    private readonly clientSocket: Duplex,
    private readonly socket: Socket,
    private readonly reader: ReadBuffer,
    readonly info: SessionInfo,
    private readonly limits: SessionLimits,
  ) {
    this.wsClosed = new Promise((r) => ws.once('close', () => r()));
    this.pauseAbove = Math.max(limits.highWaterMark, clientSocket.writableHighWaterMark);
    this.pacing = new ReadPacing(limits.bulkReadPauseMs);
    socket.setNoDelay(true);
    reader.onChunk = (chunk, reused) => this.toClient(chunk, reused);
    clientSocket.on('drain', () => {
      reader.recycle();
      this.blocked = false;
      if (this.socket.isPaused() && !this.ended && !this.paceTimer) this.socket.resume();
    });
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
    socket.resume();
  }

  /** Bytes handed to ws.send and not yet written to the client's socket (the bounded TCP -> WebSocket buffer). */
  get inFlight(): number {
    return this.ws.bufferedAmount;
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

  /** `reused`: the chunk lives in the reader's buffer (see read-buffer.ts), not in a copy of its own. */
  private toClient(chunk: Buffer, reused: boolean): void {
    if (this.ended) { this.socket.pause(); return; } // the client is gone; the socket is being closed
    this.bytesDown += chunk.length;
    this.framesDown++;
    this.lastActivity = Date.now();
    this.pace(chunk.length);
    if (!reused) {
      this.ws.send(chunk, SEND_BINARY);
    } else if (this.ws.bufferedAmount > 0) {
      // Queued behind earlier frames. A small chunk is copied rather than pinning a whole
      // read buffer, so retained buffers hold at most twice the bytes queued.
      if (chunk.length * 2 < this.reader.size) this.ws.send(Buffer.from(chunk), SEND_BINARY);
      else { this.ws.send(chunk, SEND_BINARY); this.reader.retain(); }
    } else {
      this.reader.recycle(); // nothing queued: earlier frames are all written
      this.ws.send(chunk, SEND_BINARY);
      if (this.ws.bufferedAmount === 0) return; // written through to the kernel
      this.reader.retain();
    }
    const queued = this.ws.bufferedAmount;
    if (queued > this.peakInFlight) this.peakInFlight = queued;
    if (queued > this.pauseAbove && this.clientSocket.writableNeedDrain) { this.blocked = true; this.socket.pause(); }
  }

  /** After a frame of bulk output, the next read waits a moment so that it takes more bytes (read-pacing.ts). */
  private pace(bytes: number): void {
    const wait = this.pacing.afterFrame(bytes, this.reader.size, performance.now());
    if (wait === 0 || this.paceTimer) return;
    this.socket.pause();
    this.paceTimer = setTimeout(() => {
      this.paceTimer = undefined;
      if (!this.ended && !this.blocked) this.socket.resume();
    }, wait);
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
    clearTimeout(this.paceTimer);
    if (by === 'client') {
      // Let bytes the client already sent reach the server, then close (FIN).
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 5000).unref();
    } else {
      this.socket.destroy();
      // ws queues the close frame after data already handed to send(), so the tail arrives.
      if (this.ws.readyState === this.ws.OPEN) this.ws.close(code, closeReason(reason));
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
