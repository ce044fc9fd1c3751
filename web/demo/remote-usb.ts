// The demo's WebUSB: navigator.usb's shape, with one virtual CCID reader that lives in the demo
// process (sim/'s card simulator is Node code). Each USBDevice call travels through the relay
// to cli/demo/usb-rpc.ts. Everything above this object is the product's real card stack.
import { openWebSocketStream, relayTargetUrl } from '../net/websocket-stream.ts';
import type { UsbConnectionEvent, UsbDevice, WebUsb } from '../smartcard/webusb-types.ts';

interface Reply { id: number; data?: number[]; status?: string; bytesWritten?: number; error?: { name: string; message: string }; [k: string]: unknown }

export interface RemoteUsb extends WebUsb {
  /** Demo controls: put the simulated card in, or pull it out. */
  insertCard(): Promise<void>;
  removeCard(): Promise<void>;
}

export async function remoteUsb(relayUrl: string, port: number): Promise<RemoteUsb> {
  const stream = await openWebSocketStream(relayTargetUrl(relayUrl, '127.0.0.1', port));
  const writer = stream.writable.getWriter();
  const pending = new Map<number, (r: Reply) => void>();
  let nextId = 1;
  void (async () => {
    const reader = stream.readable.getReader();
    let buf = new Uint8Array(0);
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
      if (done || !value) break;
      const joined = new Uint8Array(buf.length + value.length);
      joined.set(buf);
      joined.set(value, buf.length);
      buf = joined;
      while (buf.length >= 4) {
        const len = new DataView(buf.buffer, buf.byteOffset).getUint32(0);
        if (buf.length < 4 + len) break;
        const reply = JSON.parse(new TextDecoder().decode(buf.subarray(4, 4 + len))) as Reply;
        buf = buf.slice(4 + len);
        pending.get(reply.id)?.(reply);
        pending.delete(reply.id);
      }
    }
    for (const resolve of pending.values()) resolve({ id: 0, error: { name: 'NetworkError', message: 'The demo reader connection closed.' } });
    pending.clear();
  })();
  const call = async (op: string, ...args: unknown[]): Promise<Reply> => {
    const id = nextId++;
    const body = new TextEncoder().encode(JSON.stringify({ id, op, args }));
    const frame = new Uint8Array(4 + body.length);
    new DataView(frame.buffer).setUint32(0, body.length);
    frame.set(body, 4);
    const reply = new Promise<Reply>((resolve) => pending.set(id, resolve));
    await writer.write(frame);
    const r = await reply;
    if (r.error) throw new DOMException(r.error.message, r.error.name);
    return r;
  };
  const view = (d?: number[]) => (d ? new DataView(Uint8Array.from(d).buffer) : undefined);
  const info = (await call('info')) as unknown as Omit<UsbDevice, 'configurations'> & { configurations: (UsbDevice['configurations'][number] & { configurationValue: number })[] };
  let selected: number | undefined;
  let granted = false;
  const device = {
    vendorId: info.vendorId, productId: info.productId, productName: info.productName,
    manufacturerName: info.manufacturerName, serialNumber: info.serialNumber, configurations: info.configurations,
    opened: false,
    get configuration() { return info.configurations.find((c) => c.configurationValue === selected) ?? null; },
    async open() { await call('open'); device.opened = true; },
    async close() { await call('close'); device.opened = false; },
    async selectConfiguration(v: number) { await call('selectConfiguration', v); selected = v; },
    async claimInterface(n: number) { await call('claimInterface', n); },
    async releaseInterface(n: number) { await call('releaseInterface', n); },
    async clearHalt(dir: string, ep: number) { await call('clearHalt', dir, ep); },
    async controlTransferIn(setup: unknown, length: number) { const r = await call('controlTransferIn', setup, length); return { status: r.status, data: view(r.data) }; },
    async controlTransferOut(setup: unknown, data?: Uint8Array) { const r = await call('controlTransferOut', setup, data ? [...data] : undefined); return { status: r.status, bytesWritten: r.bytesWritten }; },
    async transferIn(ep: number, length: number) { const r = await call('transferIn', ep, length); return { status: r.status, data: view(r.data) }; },
    async transferOut(ep: number, data: Uint8Array) { const r = await call('transferOut', ep, [...data]); return { status: r.status, bytesWritten: r.bytesWritten }; },
  };
  const events = new EventTarget();
  return {
    async requestDevice() { granted = true; return device; },
    async getDevices() { return granted ? [device] : []; },
    addEventListener: (type, listener) => events.addEventListener(type, listener as unknown as EventListener),
    removeEventListener: (type, listener) => events.removeEventListener(type, listener as unknown as EventListener),
    insertCard: async () => { await call('insert'); },
    removeCard: async () => { await call('remove'); },
  } satisfies RemoteUsb & { addEventListener(type: 'connect' | 'disconnect', l: (e: UsbConnectionEvent) => void): void };
}
