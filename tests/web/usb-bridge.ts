// The WebUSB shim for the end-to-end tests. Headless Chromium cannot be handed a USB device, so
// the test defines navigator.usb in the page with one device whose every call is forwarded
// (page.exposeFunction) to sim/'s VirtualReader in Node. Everything above navigator.usb — the
// card panel, ccid/, card/, pki/ — is the product code.
import type { Page } from 'playwright-core';
import type { VirtualReader } from '../../sim/index.ts';

interface WireResult { data?: number[]; status?: string; bytesWritten?: number; error?: { name: string; message: string } }

export interface BridgeOptions {
  /** claimInterface fails the way Chrome fails for class 0x0B on an ordinary page. */
  readonly protectedClass?: boolean;
}

const bytes = (v: DataView | undefined): number[] | undefined => v ? [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)] : undefined;

/** Forwards the shim's calls to `reader`. Call before the page loads. */
export async function bridgeUsb(page: Page, reader: VirtualReader, options: BridgeOptions = {}): Promise<void> {
  await page.exposeFunction('__tesseraUsbBridge', async (op: string, args: unknown[]): Promise<WireResult> => {
    try {
      switch (op) {
        case 'open': await reader.open(); return {};
        case 'close': await reader.close(); return {};
        case 'selectConfiguration': await reader.selectConfiguration(args[0] as number); return {};
        case 'claimInterface':
          if (options.protectedClass) return { error: { name: 'SecurityError', message: 'Failed to execute \'claimInterface\' on \'USBDevice\': The requested interface implements a protected class.' } };
          await reader.claimInterface(args[0] as number); return {};
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
        default: return { error: { name: 'NotSupportedError', message: `shim: ${op}` } };
      }
    } catch (err) {
      // A removed device fails transfers with NetworkError in Chrome.
      return { error: { name: 'NetworkError', message: err instanceof Error ? err.message : String(err) } };
    }
  });
  const info = {
    vendorId: reader.vendorId, productId: reader.productId, productName: reader.productName ?? null,
    manufacturerName: reader.manufacturerName ?? null, serialNumber: reader.serialNumber,
    configurations: JSON.parse(JSON.stringify(reader.configurations)) as unknown,
  };
  await page.addInitScript((device) => {
    type Result = { data?: number[]; status?: string; bytesWritten?: number; error?: { name: string; message: string } };
    const call = async (op: string, ...args: unknown[]): Promise<Result> => {
      const r = await (window as unknown as { __tesseraUsbBridge(op: string, args: unknown[]): Promise<Result> }).__tesseraUsbBridge(op, args);
      if (r.error) throw new DOMException(r.error.message, r.error.name);
      return r;
    };
    const view = (d?: number[]) => (d ? new DataView(Uint8Array.from(d).buffer) : undefined);
    let selected: number | undefined;
    let granted = false;
    const configurations = device.configurations as { configurationValue: number }[];
    const usbDevice = {
      ...device,
      opened: false,
      get configuration() { return configurations.find((c) => c.configurationValue === selected) ?? null; },
      async open() { await call('open'); this.opened = true; },
      async close() { await call('close'); this.opened = false; },
      async selectConfiguration(v: number) { await call('selectConfiguration', v); selected = v; },
      async claimInterface(n: number) { await call('claimInterface', n); },
      async releaseInterface(n: number) { await call('releaseInterface', n); },
      async clearHalt(dir: string, ep: number) { await call('clearHalt', dir, ep); },
      async reset() { /* nothing to reset in the shim */ },
      async controlTransferIn(setup: unknown, length: number) { const r = await call('controlTransferIn', setup, length); return { status: r.status, data: view(r.data) }; },
      async controlTransferOut(setup: unknown, data?: Uint8Array) { const r = await call('controlTransferOut', setup, data ? [...data] : undefined); return { status: r.status, bytesWritten: r.bytesWritten }; },
      async transferIn(ep: number, length: number) { const r = await call('transferIn', ep, length); return { status: r.status, data: view(r.data) }; },
      async transferOut(ep: number, data: Uint8Array) { const r = await call('transferOut', ep, [...data]); return { status: r.status, bytesWritten: r.bytesWritten }; },
    };
    const target = new EventTarget();
    Object.defineProperty(navigator, 'usb', {
      configurable: true,
      value: {
        async requestDevice() { granted = true; return usbDevice; },
        async getDevices() { return granted ? [usbDevice] : []; },
        addEventListener: target.addEventListener.bind(target),
        removeEventListener: target.removeEventListener.bind(target),
      },
    });
  }, info);
}
