/**
 * The CCID class descriptor (CCID 1.1 §5.1) and the search for CCID interfaces in a raw
 * configuration descriptor (USB 2.0 §9.6.3). WebUSB does not expose class-specific
 * descriptors, so the driver reads the configuration with GET_DESCRIPTOR itself.
 */
import { CcidProtocolError, UnsupportedReaderError } from './errors.ts';
import { defineLayout } from './layout.ts';
import type { UsbDeviceLike } from './usb-device.ts';
import { inData } from './usb-device.ts';
import { boundTransfer, started, TRANSFER_TIMEOUT_MS } from './transfer-timeout.ts';

/** CCID 1.1 §5.1, Table 5.1-1: 54 bytes, little-endian. */
export const CLASS_DESCRIPTOR = defineLayout({
  bLength: ['u8', 0],
  bDescriptorType: ['u8', 1],
  bcdCCID: ['u16le', 2],
  bMaxSlotIndex: ['u8', 4],
  bVoltageSupport: ['u8', 5],
  dwProtocols: ['u32le', 6],
  dwDefaultClock: ['u32le', 10],
  dwMaximumClock: ['u32le', 14],
  bNumClockSupported: ['u8', 18],
  dwDataRate: ['u32le', 19],
  dwMaxDataRate: ['u32le', 23],
  bNumDataRatesSupported: ['u8', 27],
  dwMaxIFSD: ['u32le', 28],
  dwSynchProtocols: ['u32le', 32],
  dwMechanical: ['u32le', 36],
  dwFeatures: ['u32le', 40],
  dwMaxCCIDMessageLength: ['u32le', 44],
  bClassGetResponse: ['u8', 48],
  bClassEnvelope: ['u8', 49],
  wLcdLayout: ['u16le', 50],
  bPINSupport: ['u8', 52],
  bMaxCCIDBusySlots: ['u8', 53],
} as const);

export type CcidClassDescriptor = ReturnType<typeof CLASS_DESCRIPTOR.read>;

/** dwFeatures bits, CCID 1.1 §5.1 (names as in libccid). */
export const Feature = {
  AUTO_CONF_ATR: 0x02,
  AUTO_ACTIVATION: 0x04,
  AUTO_VOLTAGE: 0x08,
  AUTO_CLOCK: 0x10,
  AUTO_BAUD: 0x20,
  AUTO_PPS_PROP: 0x40,
  AUTO_PPS_CUR: 0x80,
  AUTO_IFSD: 0x400,
  EXCHANGE_MASK: 0x70000,
} as const;

export type ExchangeLevel = 'character' | 'tpdu' | 'short-apdu' | 'extended-apdu';

/** dwFeatures & 0x70000: 0 character, 0x10000 TPDU, 0x20000 short, 0x40000 extended APDU. */
export function exchangeLevel(dwFeatures: number): ExchangeLevel {
  switch (dwFeatures & Feature.EXCHANGE_MASK) {
    case 0x10000: return 'tpdu';
    case 0x20000: return 'short-apdu';
    case 0x40000: return 'extended-apdu';
    case 0x00000: return 'character';
    default:
      throw new UnsupportedReaderError(`The reader announces an unknown exchange level (dwFeatures 0x${dwFeatures.toString(16)}).`);
  }
}

export const CCID_DESCRIPTOR_TYPE = 0x21;
export const CLASS_SMART_CARD = 0x0b;
export const CLASS_VENDOR = 0xff;

export function parseClassDescriptor(bytes: Uint8Array): CcidClassDescriptor {
  if (bytes.length !== CLASS_DESCRIPTOR.size) {
    throw new CcidProtocolError(`A CCID class descriptor is ${CLASS_DESCRIPTOR.size} bytes, this one is ${bytes.length}.`);
  }
  return CLASS_DESCRIPTOR.read(bytes);
}

export interface CcidInterfaceInfo {
  readonly interfaceNumber: number;
  readonly alternateSetting: number;
  readonly interfaceClass: number;
  readonly interfaceProtocol: number;
  readonly descriptor: CcidClassDescriptor;
  readonly bulkIn?: number;
  readonly bulkOut?: number;
  readonly interruptIn?: number;
}

/**
 * Walks a configuration descriptor and returns every interface carrying a 54-byte CCID
 * class descriptor: class 0x0B, or vendor class 0xFF (libccid accepts those too, e.g. SCM
 * SCR331-DI, Gemplus tokens whose descriptor type is 0xFF). The class descriptor may sit
 * after the endpoints on some old firmware, so it is taken anywhere inside the interface.
 */
export function findCcidInterfaces(config: Uint8Array): CcidInterfaceInfo[] {
  const found: CcidInterfaceInfo[] = [];
  let current: { interfaceNumber: number; alternateSetting: number; interfaceClass: number; interfaceProtocol: number; desc?: CcidClassDescriptor; bulkIn?: number; bulkOut?: number; interruptIn?: number } | undefined;
  const flush = (): void => {
    if (current?.desc) {
      const { desc, ...rest } = current;
      found.push({ ...rest, descriptor: desc });
    }
  };
  let off = 0;
  while (off + 2 <= config.length) {
    const len = config[off]!;
    const type = config[off + 1]!;
    if (len < 2 || off + len > config.length) {
      throw new CcidProtocolError(`The configuration descriptor is malformed at byte ${off} (length ${len}).`);
    }
    if (type === 4 && len >= 9) {
      flush();
      const cls = config[off + 5]!;
      current = cls === CLASS_SMART_CARD || cls === CLASS_VENDOR
        ? { interfaceNumber: config[off + 2]!, alternateSetting: config[off + 3]!, interfaceClass: cls, interfaceProtocol: config[off + 7]! }
        : undefined;
    } else if (current && len === CLASS_DESCRIPTOR.size && (type === CCID_DESCRIPTOR_TYPE || (type === 0xff && current.interfaceClass === CLASS_VENDOR))) {
      current.desc = CLASS_DESCRIPTOR.read(config, off);
    } else if (current && type === 5 && len >= 7) {
      const address = config[off + 2]!;
      const attributes = config[off + 3]! & 0x03;
      const number = address & 0x0f;
      const isIn = (address & 0x80) !== 0;
      if (attributes === 2 && isIn) current.bulkIn = number;
      else if (attributes === 2) current.bulkOut = number;
      else if (attributes === 3 && isIn) current.interruptIn = number;
    }
    off += len;
  }
  flush();
  return found;
}

/** GET_DESCRIPTOR(CONFIGURATION), USB 2.0 §9.4.3: read 9 bytes for wTotalLength, then all. */
export async function readConfigurationDescriptor(device: UsbDeviceLike, index = 0): Promise<Uint8Array> {
  const setup = { requestType: 'standard', recipient: 'device', request: 0x06, value: (0x02 << 8) | index, index: 0 } as const;
  // Bounded: a wedged control pipe would otherwise hold the open for good (WebUSB has no transfer timeout).
  const read = (length: number) => boundTransfer(started(() => device.controlTransferIn(setup, length)), TRANSFER_TIMEOUT_MS, 'The reader did not answer GET_DESCRIPTOR; unplug it and plug it in again.');
  const head = inData(await read(9));
  if (head.length < 4 || head[1] !== 0x02) {
    throw new CcidProtocolError('The reader returned no usable configuration descriptor.');
  }
  const total = head[2]! | (head[3]! << 8);
  const full = inData(await read(total));
  if (full.length < 9) throw new CcidProtocolError('The reader returned a truncated configuration descriptor.');
  return full.slice(0, Math.min(full.length, total));
}
