// Node byte streams for the SSH client: a TCP socket, or a WebSocket to the relay, turned into the
// ByteStream shape of ssh-proto (web streams of Uint8Array), with backpressure both ways.
import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { slabReads } from './slab-reads.ts';

/** ssh-proto's ByteStream, plus a way to tear the connection down. Matches it structurally. */
export interface NetByteStream {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
  /** Closes the underlying socket at once (idempotent). */
  destroy(): void;
}

/** Could not reach the server or the relay, or the relay refused / ended the connection. */
export class NetStreamError extends Error {
  override readonly name = 'NetStreamError';
  constructor(readonly code: 'CONNECT_FAILED' | 'CONNECT_TIMEOUT' | 'RELAY_REFUSED' | 'RELAY_CLOSED', message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** How much received data may wait unread before the socket is paused. */
const READ_HIGH_WATER = 1 << 20;
const byteLength = (chunk: Uint8Array) => chunk.byteLength;

/** The socket reads through `reads` (cli/slab-reads.ts): its chunks arrive there, not as 'data' events. */
function socketStreams(socket: Socket, reads: { onChunk: (chunk: Uint8Array) => boolean }): NetByteStream {
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      // Returning false pauses the socket until pull().
      reads.onChunk = (chunk) => { controller.enqueue(chunk); return (controller.desiredSize ?? 1) > 0; };
      socket.once('end', () => { try { controller.close(); } catch { /* already closed */ } });
      socket.once('error', (err) => { try { controller.error(err); } catch { /* already closed */ } });
      socket.once('close', () => { try { controller.close(); } catch { /* already closed or errored */ } });
    },
    pull() { socket.resume(); },
    cancel() { socket.destroy(); },
  }, { highWaterMark: READ_HIGH_WATER, size: byteLength });
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      if (socket.destroyed) return Promise.reject(new NetStreamError('CONNECT_FAILED', 'the connection is closed'));
      if (socket.write(chunk)) return undefined;
      return new Promise<void>((resolve, reject) => {
        const done = (err?: Error) => { socket.off('drain', onDrain); socket.off('close', onClose); if (err) reject(err); else resolve(); };
        const onDrain = () => done();
        const onClose = () => done(new NetStreamError('CONNECT_FAILED', 'the connection closed while sending'));
        socket.once('drain', onDrain);
        socket.once('close', onClose);
      });
    },
    close() { return new Promise<void>((resolve) => { if (socket.destroyed) resolve(); else socket.end(() => resolve()); }); },
    abort() { socket.destroy(); },
  });
  return { readable, writable, destroy: () => socket.destroy() };
}

/** Opens a TCP connection to host:port. */
export function connectTcp(host: string, port: number, options: { timeoutMs?: number; family?: 4 | 6 } = {}): Promise<NetByteStream> {
  return new Promise((resolve, reject) => {
    // An address literal is not looked up, so the family would not apply: refused as ssh -4/-6 refuses it.
    if (options.family && isIP(host) !== 0 && isIP(host) !== options.family) {
      reject(new NetStreamError('CONNECT_FAILED', `${host} is not an IPv${options.family} address (-${options.family}).`));
      return;
    }
    const reads = { onChunk: (_chunk: Uint8Array): boolean => true };
    const socket = tcpConnect({ host, port, noDelay: true, ...(options.family ? { family: options.family } : {}), onread: slabReads((chunk) => reads.onChunk(chunk)) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new NetStreamError('CONNECT_TIMEOUT', `No answer from ${host} port ${port} within ${options.timeoutMs ?? 15_000} ms.`));
    }, options.timeoutMs ?? 15_000);
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(new NetStreamError('CONNECT_FAILED', `Could not connect to ${host} port ${port}: ${err.message}.`, { cause: err }));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socketStreams(socket, reads));
    });
  });
}

/** The relay URL for a target: ws://relay/ssh?host=H&port=P (relay/index.ts documents the forms). */
export function relayTargetUrl(relayUrl: string, host: string, port: number): string {
  const url = new URL(relayUrl);
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new NetStreamError('CONNECT_FAILED', `The relay address must start with ws:// or wss://, not ${url.protocol}//.`);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/ssh';
  url.searchParams.set('host', host);
  url.searchParams.set('port', String(port));
  return url.toString();
}

/** Opens a WebSocket to the relay, which joins it to host:port. Binary frames carry the TCP bytes. */
export async function connectRelay(relayUrl: string, host: string, port: number, options: { timeoutMs?: number } = {}): Promise<NetByteStream> {
  const url = relayTargetUrl(relayUrl, host, port);
  // Loaded only for the relay: `ws` costs a direct `tessera ssh` start-up time for nothing.
  const { WebSocket } = await import('ws');
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: options.timeoutMs ?? 15_000 });
    ws.binaryType = 'nodebuffer';
    let opened = false;
    ws.once('error', (err) => {
      if (!opened) reject(new NetStreamError('CONNECT_FAILED', `Could not reach the relay ${relayUrl}: ${err.message}.`, { cause: err }));
    });
    ws.once('unexpected-response', (_req, res) => {
      ws.terminate();
      reject(new NetStreamError('RELAY_REFUSED', `The relay ${relayUrl} refused the connection (HTTP ${res.statusCode}).`));
    });
    ws.once('open', () => {
      opened = true;
      resolve(webSocketStreams(ws, relayUrl));
    });
  });
}

function webSocketStreams(ws: WebSocket, relayUrl: string): NetByteStream {
  let paused = false;
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (!isBinary) return; // the relay sends text only in close reasons, never as data
        controller.enqueue(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        if ((controller.desiredSize ?? 1) <= 0 && !paused) { paused = true; ws.pause(); }
      });
      ws.once('close', (code: number, reason: Buffer) => {
        if (code === 1000 || code === 1005) { try { controller.close(); } catch { /* closed */ } return; }
        const why = reason.toString('utf8');
        const err = new NetStreamError(code >= 4000 ? 'RELAY_REFUSED' : 'RELAY_CLOSED',
          `The relay ${relayUrl} closed the connection (${code})${why ? `: ${why}` : ''}.`);
        try { controller.error(err); } catch { /* closed */ }
      });
      ws.on('error', (err) => { try { controller.error(err); } catch { /* closed */ } });
    },
    pull() { if (paused) { paused = false; ws.resume(); } },
    cancel() { ws.terminate(); },
  }, { highWaterMark: READ_HIGH_WATER, size: byteLength });
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      return new Promise<void>((resolve, reject) => {
        if (ws.readyState !== ws.OPEN) { reject(new NetStreamError('RELAY_CLOSED', 'the relay connection is closed')); return; }
        // ws buffers internally; wait for the frame to be handed to the socket only when it piles up.
        if (ws.bufferedAmount < READ_HIGH_WATER) { ws.send(chunk, { binary: true }); resolve(); return; }
        ws.send(chunk, { binary: true }, (err) => (err ? reject(err) : resolve()));
      });
    },
    close() { ws.close(1000); },
    abort() { ws.terminate(); },
  });
  return { readable, writable, destroy: () => ws.terminate() };
}
