// Real USB readers through node-usb: only with TESSERA_HW=1 and a reader attached (the one
// hardware exception to "never skip"). pcscd must not hold the reader; the error says so if it does.
import { describe, expect, it } from 'vitest';
import { CcidReader, NoCardError } from '../../ccid/index.ts';
import { listUsbReaders } from '../../cli/usb-devices.ts';

const HW = process.env['TESSERA_HW'] === '1';

describe.skipIf(!HW)('real USB readers (TESSERA_HW=1)', () => {
  it('finds a reader, powers the card on and exchanges an APDU', async () => {
    const { devices, problem } = await listUsbReaders();
    expect(problem).toBeUndefined();
    expect(devices.length).toBeGreaterThan(0);
    const readers = await CcidReader.open(devices[0]!);
    const reader = readers.find((r) => !r.unsupported)!;
    expect(reader).toBeDefined();
    try {
      const card = await reader.connect(0);
      // SELECT PIV; any status word proves the whole path (7816-4 answers at least SW1 SW2).
      const answer = await card.transmit(Uint8Array.of(0x00, 0xa4, 0x04, 0x00, 0x05, 0xa0, 0x00, 0x00, 0x03, 0x08, 0x00));
      expect(answer.length).toBeGreaterThanOrEqual(2);
      await card.disconnect();
    } catch (err) {
      if (!(err instanceof NoCardError)) throw err;
      expect(await reader.slotStatus(0)).toBe('absent');
    } finally {
      await reader.close();
    }
  });
});
