// The WebUSB shim for the end-to-end tests. Headless Chromium cannot be handed a USB device, so
// the test defines navigator.usb in the page with one device whose every call is forwarded
// (page.exposeFunction) to sim/'s VirtualReader in Node. Everything above navigator.usb — the
// card panel, ccid/, card/, pki/ — is the product code.
import type { BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { loadProfile, VirtualReader, type PivCard } from '../../sim/index.ts';
import { deviceInfo, dispatchUsb, type UsbReply } from '../../cli/demo/usb-rpc.ts';
import { openApp, type WebStack } from './harness.ts';


export interface BridgeOptions {
  /** claimInterface fails the way Chrome fails for class 0x0B on an ordinary page. */
  readonly protectedClass?: boolean;
}


/** Forwards the shim's calls to `reader`. Call before the page loads. */
export async function bridgeUsb(page: Page, reader: VirtualReader, options: BridgeOptions = {}): Promise<void> {
  await page.exposeFunction('__tesseraUsbBridge', async (op: string, args: unknown[]): Promise<UsbReply> => {
    if (op === 'claimInterface' && options.protectedClass) {
      return { error: { name: 'SecurityError', message: 'Failed to execute \'claimInterface\' on \'USBDevice\': The requested interface implements a protected class.' } };
    }
    return dispatchUsb(reader, op, args);
  });
  const info = deviceInfo(reader);
  await page.addInitScript((device) => {
    type Result = { data?: number[]; status?: string; bytesWritten?: number; error?: { name: string; message: string } };
    // After unplug() every call fails as Chrome fails them for a gone device, the ones in flight too.
    let unplugged: { closeHangs: boolean } | undefined;
    const waiting = new Set<(err: DOMException) => void>();
    const goneError = () => new DOMException('The device was disconnected.', 'NotFoundError');
    const call = async (op: string, ...args: unknown[]): Promise<Result> => {
      if (unplugged) throw goneError();
      let fail: (err: DOMException) => void = () => undefined;
      const gone = new Promise<never>((_, reject) => { fail = reject; waiting.add(fail); });
      try {
        const r = await Promise.race([(window as unknown as { __tesseraUsbBridge(op: string, args: unknown[]): Promise<Result> }).__tesseraUsbBridge(op, args), gone]);
        if (r.error) throw new DOMException(r.error.message, r.error.name);
        return r;
      } finally {
        waiting.delete(fail);
      }
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
      // A gone device's close() may never settle (closeHangs): what the page does meanwhile is under test.
      async close() { if (unplugged?.closeHangs) await new Promise(() => undefined); await call('close'); this.opened = false; },
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
    // navigator.usb's "disconnect" (WebUSB §6.1, a USBConnectionEvent naming the device).
    (window as unknown as { __tesseraUsbUnplug(o: { closeHangs: boolean }): void }).__tesseraUsbUnplug = (o) => {
      unplugged = o;
      granted = false;
      for (const fail of waiting) fail(goneError());
      const event = new Event('disconnect');
      Object.defineProperty(event, 'device', { value: usbDevice });
      target.dispatchEvent(event);
    };
    Object.defineProperty(navigator, 'usb', {
      configurable: true,
      value: {
        async requestDevice() { granted = true; return usbDevice; },
        async getDevices() { return granted ? [usbDevice] : []; },
        addEventListener: target.addEventListener.bind(target),
        removeEventListener: target.removeEventListener.bind(target),
      },
    });
  }, info as { configurations: unknown });
}

/** Unplugs the shim's reader: navigator.usb fires "disconnect" and the device's calls fail from then on. */
export async function unplugReader(page: Page, options: { closeHangs: boolean }): Promise<void> {
  await page.evaluate((o) => { (window as unknown as { __tesseraUsbUnplug(o: { closeHangs: boolean }): void }).__tesseraUsbUnplug(o); }, options);
}

/** A new page with `card` in a virtual OMNIKEY reader, the app open and the reader connected (card panel ready). */
export async function openAppWithCard(stack: WebStack, card: PivCard): Promise<{ context: BrowserContext; page: Page; reader: VirtualReader }> {
  const reader = new VirtualReader(loadProfile('HID_Global_OMNIKEY_3x21_Smart_Card_Reader'));
  reader.insertCard(card);
  const { context, page } = await stack.newPage();
  await bridgeUsb(page, reader);
  await openApp(page, stack.baseUrl);
  await page.click('#connect-reader');
  await expect.poll(() => page.getAttribute('#card-panel', 'data-state'), { timeout: 20_000 }).toBe('ready');
  return { context, page, reader };
}
