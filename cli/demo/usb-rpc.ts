// The demo's virtual USB reader, served to the page. The page's WebUSB stand-in (web/demo)
// forwards every USBDevice call here through the relay (WebSocket → TCP), because sim/'s card
// simulator is Node code. Frames: 4-byte big-endian length, then JSON
// {id, op, args} → {id, data?, status?, bytesWritten?, error?}.
import { createServer, type Server, type Socket } from 'node:net';
import type { VirtualReader } from '../../sim/index.ts';

export interface UsbReply { data?: number[]; status?: string; bytesWritten?: number; error?: { name: string; message: string } }

const bytes = (v: DataView | undefined): number[] | undefined => v ? [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)] : undefined;

/** Device facts the page needs before any call (WebUSB USBDevice attributes). */
export function deviceInfo(reader: VirtualReader): Record<string, unknown> {
  return {
    vendorId: reader.vendorId, productId: reader.productId, productName: reader.productName ?? null,
    manufacturerName: reader.manufacturerName ?? null, serialNumber: reader.serialNumber,
    configurations: JSON.parse(JSON.stringify(reader.configurations)) as unknown,
  };
}

/** Runs one USBDevice call on the virtual reader; failures come back as DOMException names. */
export async function dispatchUsb(reader: VirtualReader, op: string, args: readonly unknown[]): Promise<UsbReply> {
  try {
    switch (op) {
      case 'open': await reader.open(); return {};
      case 'close': await reader.close(); return {};
      case 'selectConfiguration': await reader.selectConfiguration(args[0] as number); return {};
      case 'claimInterface': await reader.claimInterface(args[0] as number); return {};
      case 'releaseInterface': await reader.releaseInterface(args[0] as number); return {};
      case 'clearHalt': await reader.clearHalt(args[0] as 'in' | 'out', args[1] as number); return {};
      case 'controlTransferIn': {
        const r = await reader.controlTransferIn(args[0] as Parameters<VirtualReader['controlTransferIn']>[0], args[1] as number);
        return { status: r.status, ...(r.data ? { data: bytes(r.data)! } : {}) };
      }
      case 'controlTransferOut': {
        const r = await reader.controlTransferOut(args[0] as Parameters<VirtualReader['controlTransferOut']>[0], args[1] ? Uint8Array.from(args[1] as number[]) : undefined);
        return { status: r.status, bytesWritten: r.bytesWritten };
      }
      case 'transferIn': {
        const r = await reader.transferIn(args[0] as number, args[1] as number);
        return { status: r.status ?? 'ok', ...(r.data ? { data: bytes(r.data)! } : {}) };
      }
      case 'transferOut': {
        const r = await reader.transferOut(args[0] as number, Uint8Array.from(args[1] as number[]));
        return { status: r.status, bytesWritten: r.bytesWritten };
      }
      default: return { error: { name: 'NotSupportedError', message: `The virtual reader has no '${op.slice(0, 40)}'.` } };
    }
  } catch (err) {
    // Chrome fails transfers on a removed or broken device with NetworkError.
    return { error: { name: 'NetworkError', message: err instanceof Error ? err.message : String(err) } };
  }
}

export interface VirtualReaderServer { readonly port: number; close(): Promise<void> }

/**
 * Serves a fresh virtual reader per connection (a reloaded page must not inherit the old page's
 * pending interrupt reads), each holding the same card. Ops 'info', 'insert' and 'remove' are the
 * demo's own: device facts, and card insertion/removal from the page's demo buttons.
 */
export async function serveVirtualReader(makeReader: () => VirtualReader, insert: (reader: VirtualReader) => void): Promise<VirtualReaderServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const reader = makeReader();
    insert(reader);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4) {
        const len = buffered.readUInt32BE(0);
        if (len > 1 << 20) { socket.destroy(); return; }
        if (buffered.length < 4 + len) break;
        const frame = buffered.subarray(4, 4 + len);
        buffered = buffered.subarray(4 + len);
        let request: { id: number; op: string; args: unknown[] };
        try { request = JSON.parse(frame.toString('utf8')) as typeof request; } catch { socket.destroy(); return; }
        void (async () => {
          let reply: UsbReply | Record<string, unknown>;
          if (request.op === 'info') reply = deviceInfo(reader);
          else if (request.op === 'insert') { insert(reader); reply = {}; }
          else if (request.op === 'remove') { reader.removeCard(); reply = {}; }
          else reply = await dispatchUsb(reader, request.op, request.args ?? []);
          const body = Buffer.from(JSON.stringify({ id: request.id, ...reply }));
          const head = Buffer.alloc(4);
          head.writeUInt32BE(body.length);
          if (!socket.destroyed) socket.write(Buffer.concat([head, body]));
        })();
      }
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', () => resolve()); });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}
