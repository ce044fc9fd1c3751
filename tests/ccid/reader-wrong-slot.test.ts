// A reader that answers a command with the right bSeq but another bSlot (CCID 1.1 §6.2: a reply carries
// the bSlot and bSeq of its command). A late reply to an earlier command has an older bSeq and is
// skipped; one with this command's bSeq and another slot is no late reply, it is the reader mixing up its
// slots. ccid/ skipped it as stale and waited out the read timeout (CcidTimeoutError after 2 s here, 3 s
// by default); now it fails at once with CcidProtocolError, and the reader works again afterwards.
import { describe, expect, it } from 'vitest';
import { CcidProtocolError, CcidReader } from '../../ccid/index.ts';
import { ATRS, TestApplet, VirtualReader, loadProfiles, patternByte } from '../../sim/index.ts';

const { profiles } = loadProfiles();
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const READ_16 = Uint8Array.of(0x80, 0x20, 0x00, 0x10, 0x10);
const expected16 = hex(Uint8Array.from({ length: 16 }, (_, i) => patternByte(i))) + '9000';
const LEVELS: [string, number][] = [['TPDU', 0x10000], ['short APDU', 0x20000], ['extended APDU', 0x40000]];

describe.each(LEVELS)('a reply for another slot, %s level', (_name, level) => {
  const profile = profiles.find((x) => x.interfaces.length === 1 && (x.interfaces[0]!.descriptor.dwFeatures & 0x70000) === level
    && x.interfaces[0]!.numEndpoints >= 2 && (x.interfaces[0]!.descriptor.dwProtocols & 2) !== 0 && x.interfaces[0]!.descriptor.bMaxSlotIndex === 0)!;

  it('is a CcidProtocolError at once, and the next command is answered', async () => {
    const device = new VirtualReader(profile);
    device.insertCard(new TestApplet(ATRS.yubikey5));
    const [reader] = await CcidReader.open(device, { timeoutMs: 2000 });
    const card = await reader!.connect(0);
    let wrongSlot = 0;
    const real = device.transferIn.bind(device);
    device.transferIn = async (endpoint, length) => {
      const r = await real(endpoint, length);
      const bytes = new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength);
      if (wrongSlot > 0 && bytes[0] === 0x80) { wrongSlot--; bytes[5] = 1; }
      return r;
    };
    wrongSlot = 1;
    await expect(card.transmit(READ_16)).rejects.toBeInstanceOf(CcidProtocolError);
    expect(hex(await card.transmit(READ_16))).toBe(expected16);
    await reader!.close();
  }, 30_000);
});
