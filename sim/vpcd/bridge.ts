// The vpcd socket protocol of vsmartcard (virtualsmartcard/src/vpcd): the virtual card
// connects to vpcd over TCP; every message is a 2-byte big-endian length and a payload.
// One-byte payloads are control codes (00 power off, 01 power on, 02 reset, 04 get
// ATR; only 04 is answered); longer ones are command APDUs, answered with the response.
import { connect, type Socket } from 'node:net';
import type { VirtualCard } from '../piv/index.ts';
import { isSelfConnected } from './self-connected.ts';

export const VPCD_DEFAULT_PORT = 35963;

const POWER_OFF = 0x00;
const POWER_ON = 0x01;
const RESET = 0x02;
const GET_ATR = 0x04;

export class VpcdError extends Error {
  readonly code = 'SIM_VPCD';
}

export interface VpcdBridgeOptions {
  readonly host?: string;
  readonly port?: number;
  /** Keep trying to connect this long (vpcd starts listening when pcscd loads it). */
  readonly connectTimeoutMs?: number;
}

export class VpcdBridge {
  /** Control messages received, for tests: "power-on", "reset", ... */
  readonly controls: string[] = [];
  private buffer = Buffer.alloc(0);
  private queue: Promise<void> = Promise.resolve();
  private atrWaiters: (() => void)[] = [];
  private closed = false;

  private constructor(private readonly socket: Socket, private readonly card: VirtualCard) {
    socket.setNoDelay(true);
    socket.on('data', (d) => this.onData(d));
    socket.on('error', () => { /* reported by 'close' */ });
    socket.on('close', () => { this.closed = true; });
  }

  /** Connects `card` to vpcd, retrying until vpcd listens or the timeout passes. */
  static async connect(card: VirtualCard, options: VpcdBridgeOptions = {}): Promise<VpcdBridge> {
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? VPCD_DEFAULT_PORT;
    const deadline = Date.now() + (options.connectTimeoutMs ?? 10_000);
    for (;;) {
      const socket = await new Promise<Socket | undefined>((resolve) => {
        const s = connect({ host, port }, () => {
          if (!isSelfConnected(s)) { resolve(s); return; }
          s.destroy();
          resolve(undefined);
        });
        s.once('error', () => { s.destroy(); resolve(undefined); });
      });
      if (socket) return new VpcdBridge(socket, card);
      if (Date.now() > deadline) throw new VpcdError(`vpcd did not accept a connection on ${host}:${port}; is pcscd running with the vpcd reader configured?`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Resolves when vpcd has asked for the ATR (the reader then shows the card). */
  waitForAtrRequest(timeoutMs = 10_000): Promise<void> {
    if (this.controls.includes('get-atr')) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new VpcdError('vpcd never asked for the ATR')), timeoutMs);
      this.atrWaiters.push(() => { clearTimeout(t); resolve(); });
    });
  }

  get connected(): boolean {
    return !this.closed;
  }

  /** Disconnects: to pcscd this is the card being removed. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => { this.socket.once('close', () => resolve()); this.socket.destroy(); });
  }

  private send(payload: Uint8Array): void {
    const head = Buffer.alloc(2);
    head.writeUInt16BE(payload.length);
    this.socket.write(Buffer.concat([head, payload]));
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 2) {
      const len = this.buffer.readUInt16BE(0);
      if (this.buffer.length < 2 + len) break;
      const msg = Buffer.from(this.buffer.subarray(2, 2 + len));
      this.buffer = this.buffer.subarray(2 + len);
      // Messages are handled strictly in order: APDU answers are asynchronous.
      this.queue = this.queue.then(() => this.onMessage(msg)).catch(() => { this.socket.destroy(); });
    }
  }

  private async onMessage(msg: Buffer): Promise<void> {
    if (msg.length === 1) {
      switch (msg[0]) {
        case POWER_OFF: this.controls.push('power-off'); this.card.powerOff(); return;
        case POWER_ON: this.controls.push('power-on'); this.card.powerOn(); return;
        case RESET: this.controls.push('reset'); this.card.reset(); return;
        case GET_ATR:
          this.controls.push('get-atr');
          this.send(this.card.atr);
          for (const w of this.atrWaiters.splice(0)) w();
          return;
        default: this.controls.push(`unknown-${msg[0]}`); return;
      }
    }
    // A card error (removed) ends the connection, which vpcd reports as card absent.
    this.send(await this.card.handle(msg));
  }
}
