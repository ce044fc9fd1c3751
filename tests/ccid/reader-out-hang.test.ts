// A reader that stops taking commands: its bulk-OUT transfer never completes (firmware wedged, NAKing
// forever). libccid bounds the write (ccid_usb.c WriteUSB, USB_WRITE_TIMEOUT); ccid/ waited on
// transferOut with no bound, so transmit() never settled: the page's connection hung with it. Now the
// write is bounded (libccid's 5 s, or the read timeout if longer) and fails with CcidTimeoutError, and the message buffer (a
// VERIFY's PIN) is zeroed only once the USB layer lets go of it, never while the transfer may still read it.
import { describe, expect, it } from 'vitest';
import { CcidReader, CcidTimeoutError } from '../../ccid/index.ts';
import { ATRS, TestApplet, VirtualReader, loadProfiles } from '../../sim/index.ts';

const { profiles } = loadProfiles();
// The bound lives in the channel, below every level: T=1 TPDU (which then resynchronises) and extended APDU.
const LEVELS: [string, number][] = [['TPDU', 0x10000], ['extended APDU', 0x40000]];
const VERIFY = Uint8Array.of(0x00, 0x20, 0x00, 0x80, 0x08, 0x37, 0x33, 0x39, 0x31, 0x38, 0x32, 0xff, 0xff);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe.each(LEVELS)('a reader whose bulk-OUT never completes, %s level', (_name, level) => {
  const profile = profiles.find((x) => x.interfaces.length === 1 && (x.interfaces[0]!.descriptor.dwFeatures & 0x70000) === level
    && x.interfaces[0]!.numEndpoints >= 2 && (x.interfaces[0]!.descriptor.dwProtocols & 2) !== 0)!;

  it('transmit fails with CcidTimeoutError; the buffer is zeroed when the transfer is finally let go', async () => {
    const device = new VirtualReader(profile);
    device.insertCard(new TestApplet(ATRS.yubikey5));
    const [reader] = await CcidReader.open(device, { timeoutMs: 300 });
    const card = await reader!.connect(0);
    const held: { data: Uint8Array; release: () => void }[] = [];
    device.transferOut = (_endpoint, data) => new Promise((resolve) => {
      held.push({ data, release: () => resolve({ bytesWritten: 0, status: 'ok' }) });
    });
    const outcome = await Promise.race([
      card.transmit(VERIFY).then(() => 'answered', (err: unknown) => err),
      // A bound on a hang, not a timing assertion: the write limit is 5 s.
      new Promise((r) => setTimeout(() => r('hung'), 40_000)),
    ]);
    expect(outcome).toBeInstanceOf(CcidTimeoutError);
    expect(held.length).toBe(1);
    // Still held by the USB layer: not wiped under it.
    expect(hex(held[0]!.data)).toContain('373339313832ffff');
    held[0]!.release();
    await new Promise((r) => setImmediate(r));
    expect(held[0]!.data.every((b) => b === 0)).toBe(true);
    await reader!.close();
  }, 60_000);
});
