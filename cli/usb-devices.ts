/**
 * Real USB readers through node-usb v3's WebUSB implementation (Node only, so it lives in
 * cli/, keeping ccid/ browser-safe). Lists devices that expose a smart-card (0x0B) or
 * vendor-class (0xFF, may carry CCID) interface.
 */
import { existsSync } from 'node:fs';
import type { UsbDeviceLike } from '../ccid/index.ts';

export interface UsbListing {
  readonly devices: UsbDeviceLike[];
  /** Why no device could be listed at all (no USB bus, libusb missing...). */
  readonly problem?: string;
}

export async function listUsbReaders(): Promise<UsbListing> {
  let usb;
  try {
    ({ usb } = await import('usb'));
  } catch (err) {
    return { devices: [], problem: `node-usb could not be loaded: ${(err as Error).message}` };
  }
  let all;
  try {
    all = await usb.getDevices();
  } catch (err) {
    return { devices: [], problem: `USB devices could not be listed: ${(err as Error).message}. Inside a container, pass the USB bus through (e.g. --device /dev/bus/usb).` };
  }
  const devices: UsbDeviceLike[] = [];
  for (const native of all) {
    // node-usb's devices follow WebUSB's USBDevice; check the shape we rely on once, here.
    const d = native as unknown as UsbDeviceLike;
    const hasCandidate = d.configurations.some((c) => c.interfaces.some((i) => i.alternates.some((a) => a.interfaceClass === 0x0b || a.interfaceClass === 0xff)));
    if (hasCandidate) devices.push(d);
  }
  return { devices };
}

/** Whether pcscd looks active on this machine (its socket exists): used to explain a busy reader. */
export function pcscdSocketPresent(): boolean {
  return ['/run/pcscd/pcscd.comm', '/var/run/pcscd/pcscd.comm'].some((p) => existsSync(p));
}
