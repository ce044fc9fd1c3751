/**
 * Protocol choice, PPS (ISO/IEC 7816-3 §9) and the SetParameters protocol data structure
 * (CCID 1.1 §6.1.7), decided as libccid does from dwFeatures' AUTO_* bits.
 */
import type { Atr } from './atr.ts';
import { FI_TABLE, DI_TABLE } from './atr.ts';
import type { CcidClassDescriptor } from './descriptor.ts';
import { Feature } from './descriptor.ts';
import { UnsupportedReaderError } from './errors.ts';

/** Picks T=1 when card and reader both offer it, else T=0; honours TA2 specific mode. */
export function chooseProtocol(atr: Atr, desc: CcidClassDescriptor): 0 | 1 {
  let readerProtocols = desc.dwProtocols & 0x03;
  // A few dumps carry a shifted descriptor without T=0/T=1 bits; such readers still work.
  if (readerProtocols === 0) readerProtocols = 0x03;
  const readerHas = (t: number): boolean => (readerProtocols & (1 << t)) !== 0;
  if (atr.specificMode) {
    const t = atr.specificMode.protocol;
    if ((t === 0 || t === 1) && readerHas(t)) return t;
    throw new UnsupportedReaderError(`The card is fixed to protocol T=${t}, which this reader does not support.`);
  }
  if (atr.protocols.includes(1) && readerHas(1)) return 1;
  if (atr.protocols.includes(0) && readerHas(0)) return 0;
  throw new UnsupportedReaderError(`The card offers T=${atr.protocols.join(', T=')}, and this reader supports none of them.`);
}

/** Baud rate the card's TA1 gives at the reader's default clock, in bit/s (§7.1). */
export function baudRate(ta1: number, clockKhz: number): number | undefined {
  const fi = FI_TABLE[ta1 >> 4];
  const di = DI_TABLE[ta1 & 0x0f];
  if (fi === undefined || di === undefined) return undefined;
  return Math.floor((clockKhz * 1000 * di) / fi);
}

/** The TA1 value the host may request: the card's, when the reader reaches that speed. */
export function usableTa1(atr: Atr, desc: CcidClassDescriptor): number {
  if (atr.ta1 === 0x11) return 0x11;
  const rate = baudRate(atr.ta1, desc.dwDefaultClock);
  if (rate === undefined) return 0x11;
  // Broken dumps report 0 as dwMaxDataRate; trust the card then, as the reader adapts.
  return desc.dwMaxDataRate === 0 || rate <= desc.dwMaxDataRate * 1.02 ? atr.ta1 : 0x11;
}

/**
 * Whether the host must run PPS itself, as libccid's IFDHSetProtocolParameters: not when
 * the reader negotiates (AUTO_PPS_PROP or AUTO_PPS_CUR), nor in specific mode (TA2), and
 * only when the protocol or the speed differs from the default.
 */
export function needsPps(atr: Atr, desc: CcidClassDescriptor, protocol: number, ta1: number): boolean {
  if (desc.dwFeatures & (Feature.AUTO_PPS_PROP | Feature.AUTO_PPS_CUR)) return false;
  if (atr.specificMode) return false;
  return protocol !== atr.defaultProtocol || ta1 !== 0x11;
}

/** PPS request (§9.2): PPSS FF, PPS0 with PPS1 present, PPS1 = Fi/Di, PCK. */
export function ppsRequest(protocol: number, ta1: number): Uint8Array {
  const withPps1 = ta1 !== 0x11;
  const bytes = withPps1 ? [0xff, 0x10 | protocol, ta1] : [0xff, protocol];
  bytes.push(bytes.reduce((x, b) => x ^ b, 0));
  return Uint8Array.from(bytes);
}

/**
 * Checks a PPS response (§9.3): a successful exchange echoes PPSS, PPS0's protocol, and
 * PPS1 either echoed or absent (then the default Fi/Di applies). Returns the TA1 in force.
 */
export function checkPpsResponse(request: Uint8Array, response: Uint8Array): number | undefined {
  if (response.length < 3 || response[0] !== 0xff) return undefined;
  if (response.reduce((x, b) => x ^ b, 0) !== 0) return undefined;
  const pps0 = response[1]!;
  if ((pps0 & 0x0f) !== (request[1]! & 0x0f)) return undefined;
  if (pps0 & 0x10) {
    if (response[2] !== request[2]) return undefined;
    return response[2];
  }
  return 0x11;
}

/** SetParameters abProtocolDataStructure, CCID 1.1 §6.1.7 tables 6.1-7 and 6.1-8. */
export function protocolData(atr: Atr, protocol: 0 | 1, ta1: number): Uint8Array {
  const inverse = atr.convention === 'inverse' ? 0x02 : 0x00;
  const guard = atr.extraGuardTime;
  if (protocol === 0) {
    return Uint8Array.of(ta1, inverse, guard, atr.wi, 0x00);
  }
  const t1 = atr.t1;
  return Uint8Array.of(ta1, 0x10 | inverse | (t1.crc ? 1 : 0), guard, (t1.bwi << 4) | t1.cwi, 0x00, t1.ifsc, 0x00);
}
