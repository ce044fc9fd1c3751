// The part of WebUSB (https://wicg.github.io/webusb/) the page uses, declared here so the page
// does not depend on global typings. The browser's navigator.usb and the demo's virtual reader
// (web/demo) both satisfy it structurally.
export interface UsbDeviceFilter { vendorId?: number; productId?: number; classCode?: number; subclassCode?: number; protocolCode?: number }

export interface UsbAlternate { readonly interfaceClass: number }
export interface UsbInterface { readonly interfaceNumber: number; readonly alternates: readonly UsbAlternate[] }
export interface UsbConfiguration { readonly interfaces: readonly UsbInterface[] }

export interface UsbDevice {
  readonly vendorId: number;
  readonly productId: number;
  readonly productName?: string | null | undefined;
  readonly manufacturerName?: string | null | undefined;
  readonly serialNumber?: string | null | undefined;
  readonly configurations: readonly UsbConfiguration[];
}

export interface UsbConnectionEvent extends Event { readonly device: UsbDevice }

export interface WebUsb {
  requestDevice(options: { filters: UsbDeviceFilter[] }): Promise<UsbDevice>;
  getDevices(): Promise<UsbDevice[]>;
  addEventListener(type: 'connect' | 'disconnect', listener: (event: UsbConnectionEvent) => void): void;
  removeEventListener(type: 'connect' | 'disconnect', listener: (event: UsbConnectionEvent) => void): void;
}

/** navigator.usb, when the browser has WebUSB (Chrome and Edge on desktop and Android). */
export function navigatorUsb(nav: Navigator = navigator): WebUsb | undefined {
  const usb = (nav as Navigator & { usb?: WebUsb }).usb;
  return usb ?? undefined;
}
