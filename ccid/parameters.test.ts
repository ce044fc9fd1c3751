// Protocol choice, PPS (ISO/IEC 7816-3 §9) and SetParameters data (CCID 1.1 §6.1.7), decided
// from dwFeatures as libccid does.
import { describe, expect, it } from 'vitest';
import { parseAtr, parseHex } from './atr.ts';
import type { CcidClassDescriptor } from './descriptor.ts';
import { UnsupportedReaderError } from './errors.ts';
import { checkPpsResponse, chooseProtocol, needsPps, ppsRequest, protocolData, usableTa1 } from './parameters.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const desc = (over: Partial<CcidClassDescriptor>): CcidClassDescriptor => ({
  bLength: 54, bDescriptorType: 0x21, bcdCCID: 0x110, bMaxSlotIndex: 0, bVoltageSupport: 7, dwProtocols: 3, dwDefaultClock: 4000,
  dwMaximumClock: 4000, bNumClockSupported: 0, dwDataRate: 10752, dwMaxDataRate: 344086, bNumDataRatesSupported: 0, dwMaxIFSD: 254,
  dwSynchProtocols: 0, dwMechanical: 0, dwFeatures: 0x10030, dwMaxCCIDMessageLength: 271, bClassGetResponse: 0, bClassEnvelope: 0,
  wLcdLayout: 0, bPINSupport: 0, bMaxCCIDBusySlots: 1, ...over,
});
const YUBIKEY = parseAtr(parseHex('3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 40'));
const ID_ONE = parseAtr(parseHex('3B DB 96 00 80 B1 FE 45 1F 83 00 31 C0 64 B0 FC 10 00 0F 90 00 0D'));
const SPECIFIC = parseAtr(parseHex('3B 90 96 91 81 B1 FE 55 1F C7 D4'));

describe('protocol parameters', () => {
  it('prefers T=1 when both sides have it, honours the reader protocols and TA2', () => {
    expect(chooseProtocol(ID_ONE, desc({}))).toBe(1);
    expect(chooseProtocol(ID_ONE, desc({ dwProtocols: 1 }))).toBe(0);
    expect(chooseProtocol(SPECIFIC, desc({}))).toBe(1);
    expect(() => chooseProtocol(SPECIFIC, desc({ dwProtocols: 1 }))).toThrow(UnsupportedReaderError);
    expect(() => chooseProtocol(YUBIKEY, desc({ dwProtocols: 1 }))).toThrow(UnsupportedReaderError);
  });

  it('runs PPS only when the reader does not (AUTO_PPS_PROP 0x40 / AUTO_PPS_CUR 0x80), nor in specific mode', () => {
    expect(needsPps(ID_ONE, desc({}), 1, 0x96)).toBe(true);
    expect(needsPps(ID_ONE, desc({ dwFeatures: 0x10070 }), 1, 0x96)).toBe(false);
    expect(needsPps(ID_ONE, desc({ dwFeatures: 0x100b0 }), 1, 0x96)).toBe(false);
    expect(needsPps(SPECIFIC, desc({}), 1, 0x96)).toBe(false);
    expect(needsPps(parseAtr(parseHex('3B 02 14 50')), desc({}), 0, 0x11)).toBe(false);
  });

  it('uses TA1 only when the reader reaches that speed at its default clock', () => {
    expect(usableTa1(ID_ONE, desc({}))).toBe(0x96); // 250000 bit/s at 4 MHz
    expect(usableTa1(ID_ONE, desc({ dwMaxDataRate: 115200 }))).toBe(0x11);
  });

  it('builds and checks PPS (§9.2): PPSS FF, PPS0, PPS1, PCK', () => {
    expect(hex(ppsRequest(1, 0x13))).toBe('ff1113fd');
    expect(hex(ppsRequest(1, 0x11))).toBe('ff01fe');
    expect(checkPpsResponse(ppsRequest(1, 0x96), ppsRequest(1, 0x96))).toBe(0x96);
    expect(checkPpsResponse(ppsRequest(1, 0x96), parseHex('ff01fe'))).toBe(0x11); // card kept the default speed
    expect(checkPpsResponse(ppsRequest(1, 0x96), parseHex('ff00ff'))).toBeUndefined(); // other protocol
    expect(checkPpsResponse(ppsRequest(1, 0x96), parseHex('ff1196'))).toBeUndefined(); // bad PCK
  });

  it('SetParameters data: T=1 (7 bytes) and T=0 (5 bytes), §6.1.7', () => {
    expect(hex(protocolData(YUBIKEY, 1, 0x13))).toBe('13100015' + '00fe00');
    expect(hex(protocolData(parseAtr(parseHex('3B 7D 96 00 00 80 31 80 65 B0 83 11 17 D6 83 00 90 00')), 0, 0x96))).toBe('9600000a00');
  });
});
