/**
 * Reader profiles from libccid-style dumps (the `parse` tool's output kept in libccid's
 * readers/ folder). A file describes one USB device with one or more interfaces; each
 * interface block starts at " idVendor:" and lists every CCID class descriptor field.
 */

/** The 54-byte CCID class descriptor's fields (CCID 1.1 §5.1), as numbers. */
export interface ClassDescriptorFields {
  bLength: number;
  bDescriptorType: number;
  bcdCCID: number;
  bMaxSlotIndex: number;
  bVoltageSupport: number;
  dwProtocols: number;
  dwDefaultClock: number;
  dwMaximumClock: number;
  bNumClockSupported: number;
  dwDataRate: number;
  dwMaxDataRate: number;
  bNumDataRatesSupported: number;
  dwMaxIFSD: number;
  dwSynchProtocols: number;
  dwMechanical: number;
  dwFeatures: number;
  dwMaxCCIDMessageLength: number;
  bClassGetResponse: number;
  bClassEnvelope: number;
  wLcdLayout: number;
  bPINSupport: number;
  bMaxCCIDBusySlots: number;
}

export interface InterfaceProfile {
  readonly interfaceNumber: number;
  readonly interfaceClass: number;
  readonly interfaceSubclass: number;
  readonly interfaceProtocol: number;
  readonly name: string | undefined;
  /** How many endpoints: 3 bulk-IN, bulk-OUT, interrupt-IN; 2 bulk only; 0 control only. */
  readonly numEndpoints: number;
  readonly descriptor: ClassDescriptorFields;
}

export interface ReaderProfile {
  /** The file's base name without .txt: the profile's id. */
  readonly id: string;
  readonly vendorId: number;
  readonly productId: number;
  readonly manufacturer: string | undefined;
  readonly product: string | undefined;
  readonly bcdDevice: number;
  readonly interfaces: readonly InterfaceProfile[];
}

export class ProfileError extends Error {
  readonly code = 'SIM_PROFILE';
  override readonly name = 'ProfileError';
}

const FIELDS: readonly (keyof ClassDescriptorFields)[] = [
  'bLength', 'bDescriptorType', 'bcdCCID', 'bMaxSlotIndex', 'bVoltageSupport', 'dwProtocols', 'dwDefaultClock',
  'dwMaximumClock', 'bNumClockSupported', 'dwDataRate', 'dwMaxDataRate', 'bNumDataRatesSupported', 'dwMaxIFSD',
  'dwSynchProtocols', 'dwMechanical', 'dwFeatures', 'dwMaxCCIDMessageLength', 'bClassGetResponse', 'bClassEnvelope',
  'wLcdLayout', 'bPINSupport', 'bMaxCCIDBusySlots',
];

/** A field's raw value as the dump prints it: hex, "1.10" BCD, "4.000 MHz", "271 bytes", "0x0000 0x0003". */
function numberOf(field: string, raw: string): number {
  const v = raw.trim();
  if (field === 'dwProtocols') {
    const m = /^0x([0-9a-f]{4})\s+0x([0-9a-f]{4})/i.exec(v);
    if (m) return parseInt(m[1]! + m[2]!, 16);
  }
  if (field === 'bcdCCID' || field === 'bcdDevice') {
    const m = /^(\d+)\.(\d+)/.exec(v);
    if (m) return (parseInt(m[1]!, 16) << 8) | parseInt(m[2]!, 16);
  }
  if (field === 'dwDefaultClock' || field === 'dwMaximumClock') {
    const m = /^([\d.]+)\s*MHz/.exec(v);
    if (m) return Math.round(parseFloat(m[1]!) * 1000);
  }
  const hex = /^0x([0-9a-f]+)/i.exec(v);
  if (hex) return parseInt(hex[1]!, 16);
  const dec = /^(\d+)/.exec(v);
  if (dec) return parseInt(dec[1]!, 10);
  throw new ProfileError(`cannot read ${field} from '${raw}'`);
}

/** Parses one dump file's text; `id` names the profile (usually the file name). */
export function parseProfile(id: string, raw: string): ReaderProfile {
  // Some dumps were saved with CRLF or CR line ends.
  const text = raw.replace(/\r\n?/g, '\n');
  const blocks = text.split(/\n(?= idVendor:)/).filter((b) => /idVendor:/.test(b));
  if (blocks.length === 0) throw new ProfileError(`${id}: no interface block (no idVendor line)`);
  const interfaces: InterfaceProfile[] = [];
  let head: { vendorId: number; productId: number; manufacturer?: string; product?: string; bcdDevice: number } | undefined;
  for (const block of blocks) {
    const values = new Map<string, string>();
    for (const line of block.split('\n')) {
      const m = /^\s*(\w+):\s?(.*)$/.exec(line);
      // The first occurrence wins: the interface descriptor's bLength comes before the class one.
      if (m && !values.has(m[1]!)) values.set(m[1]!, m[2]!);
    }
    const cls = block.slice(block.indexOf('CCID Class Descriptor'));
    if (!block.includes('CCID Class Descriptor')) throw new ProfileError(`${id}: an interface has no CCID class descriptor`);
    const classValues = new Map<string, string>();
    for (const line of cls.split('\n')) {
      const m = /^\s*(\w+):\s?(.*)$/.exec(line);
      if (m && !classValues.has(m[1]!)) classValues.set(m[1]!, m[2]!);
    }
    const get = (map: Map<string, string>, f: string): number => {
      const raw = map.get(f);
      if (raw === undefined) throw new ProfileError(`${id}: missing ${f}`);
      return numberOf(f, raw);
    };
    const descriptor = {} as ClassDescriptorFields;
    for (const f of FIELDS) descriptor[f] = get(classValues, f);
    head ??= {
      vendorId: get(values, 'idVendor'),
      productId: get(values, 'idProduct'),
      bcdDevice: get(values, 'bcdDevice'),
      ...(values.get('iManufacturer') ? { manufacturer: values.get('iManufacturer')!.trim() } : {}),
      ...(values.get('iProduct') && !/^Can't/.test(values.get('iProduct')!) ? { product: values.get('iProduct')!.trim() } : {}),
    };
    const iface = values.get('iInterface')?.trim();
    interfaces.push({
      interfaceNumber: get(values, 'bInterfaceNumber'),
      interfaceClass: get(values, 'bInterfaceClass'),
      interfaceSubclass: get(values, 'bInterfaceSubClass'),
      interfaceProtocol: get(values, 'bInterfaceProtocol'),
      name: iface && iface !== '0' ? iface : undefined,
      numEndpoints: get(values, 'bNumEndpoints'),
      descriptor,
    });
  }
  interfaces.sort((a, b) => a.interfaceNumber - b.interfaceNumber);
  const h = head!;
  return { id, vendorId: h.vendorId, productId: h.productId, manufacturer: h.manufacturer, product: h.product ?? h.manufacturer, bcdDevice: h.bcdDevice, interfaces };
}
