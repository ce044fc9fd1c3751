// dwMaxCCIDMessageLength (CCID 1.1 §5.1) too small to carry data: the reader is refused when
// opened, at every exchange level, instead of looping on empty XfrBlock parts (review 9,
// finding 1). The smallest usable size still works, and the simulator's response chaining
// answers such a descriptor with an overrun instead of looping.
import { describe, expect, it } from 'vitest';
import {
  CcidChannel, CcidReader, Command, UnsupportedReaderError, findCcidInterfaces, readConfigurationDescriptor,
  xfrSpecific,
} from '../../ccid/index.ts';
import { ATRS, TestApplet, VirtualReader, loadProfiles, patternByte } from '../../sim/index.ts';
import type { ReaderProfile } from '../../sim/index.ts';

const { profiles } = loadProfiles();
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const READ_16 = Uint8Array.of(0x80, 0x20, 0x00, 0x10, 0x10);
const expected16 = hex(Uint8Array.from({ length: 16 }, (_, i) => patternByte(i))) + '9000';

/** A single-interface T=1 profile at `level`, with dwMaxCCIDMessageLength patched. */
function withMaxMessage(level: number, maxMessage: number): ReaderProfile {
  const base = profiles.find((p) => p.interfaces.length === 1 && (p.interfaces[0]!.descriptor.dwFeatures & 0x70000) === level
    && p.interfaces[0]!.numEndpoints >= 2 && (p.interfaces[0]!.descriptor.dwProtocols & 2) !== 0);
  if (!base) throw new Error(`no profile at level ${level.toString(16)}`);
  const iface = base.interfaces[0]!;
  return { ...base, interfaces: [{ ...iface, descriptor: { ...iface.descriptor, dwMaxCCIDMessageLength: maxMessage } }] };
}

/** A virtual reader whose bulk-OUT fails after `limit` messages, so a loop ends the test instead of hanging it. */
function boundedReader(profile: ReaderProfile, limit = 2000): VirtualReader {
  const device = new VirtualReader(profile);
  let sent = 0;
  const out = device.transferOut.bind(device);
  device.transferOut = async (endpoint, data) => {
    if (++sent > limit) throw new Error(`test cut-off: more than ${limit} bulk-OUT messages`);
    return out(endpoint, data);
  };
  return device;
}

const LEVELS: [string, number][] = [['TPDU', 0x10000], ['short APDU', 0x20000], ['extended APDU', 0x40000]];

describe.each(LEVELS)('dwMaxCCIDMessageLength at the %s level', (_name, level) => {
  it.each([0, 10, 15])('a reader announcing %i bytes is refused when opened, with a typed error', async (maxMessage) => {
    const device = boundedReader(withMaxMessage(level, maxMessage));
    device.insertCard(new TestApplet(ATRS.yubikey5));
    const [reader] = await CcidReader.open(device, { timeoutMs: 300 });
    expect(reader!.unsupported).toMatch(/maximum CCID message of \d+ bytes/);
    await expect(reader!.connect(0)).rejects.toBeInstanceOf(UnsupportedReaderError);
    await expect(reader!.slotStatus(0)).rejects.toBeInstanceOf(UnsupportedReaderError);
  });

  it('the smallest accepted size (16 bytes: 6 data bytes) still exchanges APDUs', async () => {
    // A T=1 card (YubiKey ATR): one INF byte per block at the TPDU level; parts of 6 bytes above it.
    const device = boundedReader(withMaxMessage(level, 16));
    device.insertCard(new TestApplet(ATRS.yubikey5));
    const [reader] = await CcidReader.open(device, { timeoutMs: 300 });
    expect(reader!.unsupported).toBeUndefined();
    expect(reader!.maxData).toBe(6);
    const card = await reader!.connect(0);
    // The short APDU level shrinks Le to 4 and fetches the rest with GET RESPONSE (ISO/IEC 7816-4 §7.6.1).
    expect(hex(await card.transmit(READ_16))).toBe(expected16);
  });
});

describe('the simulator with dwMaxCCIDMessageLength 10 at the extended APDU level', () => {
  it('answers a response it cannot chain with XFR_OVERRUN (bError FC) instead of looping', async () => {
    const device = new VirtualReader(withMaxMessage(0x40000, 10));
    device.insertCard(new TestApplet(ATRS.yubikey5));
    await device.open();
    const [info] = findCcidInterfaces(await readConfigurationDescriptor(device));
    await device.claimInterface(info!.interfaceNumber);
    const channel = new CcidChannel(device, { bulkIn: info!.bulkIn!, bulkOut: info!.bulkOut!, interfaceNumber: info!.interfaceNumber, maxMessageLength: 64, timeoutMs: 300 });
    const on = await channel.exchange({ type: Command.IccPowerOn, slot: 0, specific: [0, 0, 0] });
    expect(on.commandStatus).toBe('ok');
    const reply = await channel.exchange({ type: Command.XfrBlock, slot: 0, specific: xfrSpecific(0, 0), data: READ_16 });
    expect(reply.commandStatus).toBe('failed');
    expect(reply.bError).toBe(0xfc);
  });
});
