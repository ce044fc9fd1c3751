// The only code that touches navigator.usb (STYLE.md, ya-webadb): choosing a CCID reader,
// reopening readers granted before, and turning WebUSB's DOMExceptions into typed errors with
// the deployment advice a user needs.
import { WebError } from '../errors.ts';
import type { UsbDevice, UsbDeviceFilter, WebUsb } from './webusb-types.ts';

/** CCID readers: the Smart Card interface class (CCID 1.1 §4.3) and vendor-class CCID readers. */
export const CCID_FILTERS: UsbDeviceFilter[] = [{ classCode: 0x0b }, { classCode: 0xff }];

export const PROTECTED_CLASS_ADVICE =
  'Chrome blocks smart-card readers (USB class 0x0B) on ordinary web pages. Use the Tessera kiosk app ' +
  '(the Isolated Web App, which has the "usb-unrestricted" permission, Chrome 128 or later; see docs/kiosk.md), ' +
  'or a reader with a vendor-class (0xFF) CCID interface.';

/** Maps WebUSB failures to typed errors a person can act on. */
export function usbError(err: unknown, action: string): WebError {
  const name = err instanceof DOMException ? err.name : '';
  const message = err instanceof Error ? err.message : String(err);
  if (name === 'SecurityError' && /protected (interface )?class/i.test(message)) {
    return new WebError('USB_PROTECTED_CLASS', PROTECTED_CLASS_ADVICE, { cause: err });
  }
  if (name === 'SecurityError') {
    return new WebError('USB_BLOCKED', `The browser does not allow this page to use USB (${message}). Use the Tessera kiosk app, or ask the administrator to allow WebUSB for this site.`, { cause: err });
  }
  if (name === 'NotFoundError') return new WebError('USB_NO_DEVICE', 'No reader was chosen. Plug in the reader, then choose it in the browser’s list.', { cause: err });
  if (name === 'NetworkError') return new WebError('USB_DISCONNECTED', 'The reader was unplugged or is in use by another program (on Linux, stop pcscd).', { cause: err });
  if (name === 'InvalidStateError') return new WebError('USB_BUSY', 'The reader is busy in another tab or program. Close it there and try again.', { cause: err });
  return new WebError('USB_FAILED', `Could not ${action}: ${message}`, { cause: err });
}

/** Whether a device exposes a CCID-looking interface (class 0x0B, or vendor class 0xFF). */
export function looksLikeCcid(device: UsbDevice): boolean {
  for (const config of device.configurations) {
    for (const iface of config.interfaces) {
      for (const alt of iface.alternates) if (alt.interfaceClass === 0x0b || alt.interfaceClass === 0xff) return true;
    }
  }
  return false;
}

/** Shows the browser's chooser (needs a user gesture). */
export async function requestReader(usb: WebUsb): Promise<UsbDevice> {
  try {
    return await usb.requestDevice({ filters: CCID_FILTERS });
  } catch (err) {
    throw usbError(err, 'open the reader chooser');
  }
}

/** Readers this origin was granted before (no chooser). */
export async function grantedReaders(usb: WebUsb): Promise<UsbDevice[]> {
  try {
    return (await usb.getDevices()).filter(looksLikeCcid);
  } catch (err) {
    throw usbError(err, 'list the readers granted to this page');
  }
}

export function readerName(device: UsbDevice): string {
  const name = [device.manufacturerName, device.productName].filter((s) => s).join(' ');
  const id = `${device.vendorId.toString(16).padStart(4, '0')}:${device.productId.toString(16).padStart(4, '0')}`;
  return name ? `${name} (${id})` : `USB reader ${id}`;
}
