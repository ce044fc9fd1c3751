/**
 * USB descriptors of a virtual reader, built from its profile: the device descriptor
 * (USB 2.0 §9.6.1) and one configuration (§9.6.3) holding each CCID interface, its 54-byte
 * class descriptor (CCID 1.1 §5.1) and its endpoints (§9.6.6).
 */
import type { ClassDescriptorFields, InterfaceProfile, ReaderProfile } from './profile.ts';

/** Endpoint numbers the virtual reader gives interface i: bulk-OUT, bulk-IN, interrupt-IN. */
export function endpointsOf(index: number, profile: InterfaceProfile): { bulkOut?: number; bulkIn?: number; interruptIn?: number } {
  const base = 1 + index * 3;
  if (profile.numEndpoints === 0) return {};
  if (profile.numEndpoints === 1) return { interruptIn: base + 2 };
  if (profile.numEndpoints === 2) return { bulkOut: base, bulkIn: base + 1 };
  return { bulkOut: base, bulkIn: base + 1, interruptIn: base + 2 };
}

/** CCID 1.1 §5.1 table 5.1-1, little-endian. */
export function classDescriptorBytes(d: ClassDescriptorFields): Uint8Array {
  const out = new Uint8Array(54);
  const v = new DataView(out.buffer);
  v.setUint8(0, 54);
  v.setUint8(1, d.bDescriptorType);
  v.setUint16(2, d.bcdCCID, true);
  v.setUint8(4, d.bMaxSlotIndex);
  v.setUint8(5, d.bVoltageSupport);
  v.setUint32(6, d.dwProtocols, true);
  v.setUint32(10, d.dwDefaultClock, true);
  v.setUint32(14, d.dwMaximumClock, true);
  v.setUint8(18, d.bNumClockSupported);
  v.setUint32(19, d.dwDataRate, true);
  v.setUint32(23, d.dwMaxDataRate, true);
  v.setUint8(27, d.bNumDataRatesSupported);
  v.setUint32(28, d.dwMaxIFSD, true);
  v.setUint32(32, d.dwSynchProtocols, true);
  v.setUint32(36, d.dwMechanical, true);
  v.setUint32(40, d.dwFeatures, true);
  v.setUint32(44, d.dwMaxCCIDMessageLength, true);
  v.setUint8(48, d.bClassGetResponse);
  v.setUint8(49, d.bClassEnvelope);
  v.setUint16(50, d.wLcdLayout, true);
  v.setUint8(52, d.bPINSupport);
  v.setUint8(53, d.bMaxCCIDBusySlots);
  return out;
}

export function deviceDescriptorBytes(p: ReaderProfile): Uint8Array {
  return Uint8Array.of(18, 0x01, 0x00, 0x02, 0, 0, 0, 64, p.vendorId & 0xff, p.vendorId >> 8, p.productId & 0xff, p.productId >> 8, p.bcdDevice & 0xff, p.bcdDevice >> 8, 1, 2, 0, 1);
}

export function configurationDescriptorBytes(p: ReaderProfile): Uint8Array {
  const parts: number[] = [];
  p.interfaces.forEach((iface, index) => {
    const eps = endpointsOf(index, iface);
    const list: [number, number][] = [];
    if (eps.bulkOut !== undefined) list.push([eps.bulkOut, 0x02]);
    if (eps.bulkIn !== undefined) list.push([0x80 | eps.bulkIn, 0x02]);
    if (eps.interruptIn !== undefined) list.push([0x80 | eps.interruptIn, 0x03]);
    parts.push(9, 0x04, iface.interfaceNumber, 0, list.length, iface.interfaceClass, iface.interfaceSubclass, iface.interfaceProtocol, 0);
    parts.push(...classDescriptorBytes(iface.descriptor));
    for (const [address, type] of list) {
      const size = type === 0x03 ? 8 : 64;
      parts.push(7, 0x05, address, type, size, 0, type === 0x03 ? 16 : 0);
    }
  });
  const total = 9 + parts.length;
  return Uint8Array.of(9, 0x02, total & 0xff, total >> 8, p.interfaces.length, 1, 0, 0x80, 50, ...parts);
}
