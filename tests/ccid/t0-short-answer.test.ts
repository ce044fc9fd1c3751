// T=0 (ISO/IEC 7816-3 §12.2.3): a case 2 command carries P3 = Le, 00 meaning 256, and the card must send
// exactly P3 bytes after its procedure byte. A card holding fewer bytes cannot answer them to P3 = 00; it
// answers 6C xx (the exact length) and the host sends the command again with P3 = xx. The simulated T=0
// card used to answer the short data with 90 00 to P3 = 00, which no T=0 card can do, so ccid/'s 6C xx
// path for the most common Le (256) was never exercised at the TPDU level.
import { describe, expect, it } from 'vitest';
import { CcidReader } from '../../ccid/index.ts';
import { ATRS, SimCard, TEST_AID, TestApplet, VirtualReader, hexBytes, loadProfiles, patternByte } from '../../sim/index.ts';

const { profiles } = loadProfiles();
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const tpduReader = profiles.find((p) => p.interfaces.length === 1 && p.interfaces[0]!.numEndpoints >= 2
  && (p.interfaces[0]!.descriptor.dwFeatures & 0x70000) === 0x10000 && (p.interfaces[0]!.descriptor.dwProtocols & 1) !== 0)!;
const SELECT_TEST = Uint8Array.of(0x00, 0xa4, 0x04, 0x00, TEST_AID.length, ...TEST_AID);

async function t0Card() {
  const device = new VirtualReader(tpduReader);
  device.insertCard(new TestApplet(hexBytes(ATRS.t0)));
  const tpdus: { sent: string; answer?: string }[] = [];
  const out = device.transferOut.bind(device);
  device.transferOut = async (endpoint, data) => {
    if (data[0] === 0x6f) tpdus.push({ sent: hex(data.subarray(10)) });
    return out(endpoint, data);
  };
  const [reader] = await CcidReader.open(device);
  const card = await reader!.connect(0);
  expect(card.protocol).toBe(0);
  return { reader: reader!, card, tpdus };
}

describe('T=0 case 2 with Le = 256 (P3 = 00) and a shorter answer', () => {
  it('the card answers 6C xx and ccid/ sends the command again with P3 = xx', async () => {
    const { reader, card, tpdus } = await t0Card();
    await card.transmit(SELECT_TEST);
    tpdus.length = 0;
    const answer = await card.transmit(Uint8Array.of(0x80, 0x20, 0x00, 0x20, 0x00));
    expect(hex(answer)).toBe(hex(Uint8Array.from({ length: 32 }, (_, i) => patternByte(i))) + '9000');
    expect(tpdus.map((t) => t.sent)).toEqual(['8020002000', '8020002020']);
    await reader.close();
  });

  it('at the card: P3 = 00 with 32 bytes to send is 6C 20; P3 = 20 sends them', async () => {
    const sim = new SimCard(new TestApplet(hexBytes(ATRS.t0)));
    sim.reset();
    expect(hex(await sim.processT0(SELECT_TEST))).toBe('6105');
    expect(hex(await sim.processT0(Uint8Array.of(0x80, 0x20, 0x00, 0x20, 0x00)))).toBe('6c20');
    expect((await sim.processT0(Uint8Array.of(0x80, 0x20, 0x00, 0x20, 0x20))).length).toBe(34);
    // 256 bytes or more still answer P3 = 00 with 256 bytes (and 61 xx for the rest).
    expect(hex((await sim.processT0(Uint8Array.of(0x80, 0x20, 0x01, 0x10, 0x00))).slice(-2))).toBe('6110');
  });
});
