// A ByteStream (ssh-proto's duplex byte stream) over a browser WebSocket carrying binary frames
// to the relay, which forwards the bytes to the SSH server's TCP port.
import { WebError } from '../errors.ts';

export interface ByteStream {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
}

/** Close codes the relay uses, with sentences for the status line (relay/close-codes.ts). */
function closeReason(event: CloseEvent): string {
  if (event.reason) return event.reason;
  switch (event.code) {
    case 1000: return 'The connection was closed.';
    case 1006: return 'The relay connection dropped without a close message (network error or the relay stopped).';
    case 1008: return 'The relay refused this destination (not on its allowlist).';
    case 1011: return 'The relay hit an internal error.';
    case 1013: return 'The relay is busy; try again shortly.';
    default: return `The relay closed the connection (code ${event.code}).`;
  }
}

export interface WebSocketStreamOptions {
  /** Fails the open after this long. */
  openTimeoutMs?: number;
  /** Pause reading from the socket when this many bytes are queued unread (backpressure toward the relay is TCP's). */
  highWaterMark?: number;
  /** Called once when the socket closes, with a sentence for people. */
  onClose?(reason: string, code: number): void;
}

export interface WebSocketByteStream extends ByteStream {
  readonly socket: WebSocket;
  close(): void;
}

/** Opens `url` and resolves once the socket is open. */
export function openWebSocketStream(url: string, options: WebSocketStreamOptions = {}): Promise<WebSocketByteStream> {
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  return new Promise((resolve, reject) => {
    let opened = false;
    const timer = setTimeout(() => {
      if (!opened) { socket.close(); reject(new WebError('RELAY_TIMEOUT', `The relay at ${url} did not answer in time. Check your network and the relay address.`)); }
    }, options.openTimeoutMs ?? 15_000);
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let closed = false;
    const readable = new ReadableStream<Uint8Array>({
      start(c) { controller = c; },
      cancel() { socket.close(1000); },
    }, { highWaterMark: options.highWaterMark ?? 1 << 20, size: (chunk) => chunk.byteLength });
    socket.addEventListener('message', (event: MessageEvent) => {
      if (closed) return;
      const data = event.data;
      if (data instanceof ArrayBuffer) controller.enqueue(new Uint8Array(data));
      // The relay sends binary frames only; text frames are a protocol error on its side.
      else controller.error(new WebError('RELAY_TEXT_FRAME', 'The relay sent a text frame where SSH bytes were expected.'));
    });
    socket.addEventListener('close', (event: CloseEvent) => {
      clearTimeout(timer);
      const reason = closeReason(event);
      if (!opened) {
        reject(new WebError('RELAY_UNREACHABLE', `Could not open the relay connection: ${reason}`));
        return;
      }
      if (!closed) {
        closed = true;
        try { controller.close(); } catch { /* already errored */ }
      }
      options.onClose?.(reason, event.code);
    });
    const writable = new WritableStream<Uint8Array>({
      write(chunk) {
        if (socket.readyState !== WebSocket.OPEN) throw new WebError('RELAY_CLOSED', 'The relay connection is closed.');
        socket.send(chunk);
      },
      close() { socket.close(1000); },
      abort() { socket.close(1000); },
    });
    socket.addEventListener('open', () => {
      opened = true;
      clearTimeout(timer);
      resolve({ readable, writable, socket, close: () => socket.close(1000) });
    });
  });
}

/** The WebSocket URL for one SSH target on the relay: base?host=H&port=P (relay/target.ts). */
export function relayTargetUrl(relayUrl: string, host: string, port: number): string {
  const url = new URL(relayUrl);
  url.searchParams.set('host', host);
  url.searchParams.set('port', String(port));
  return url.toString();
}
