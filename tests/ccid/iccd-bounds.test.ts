// ICCD version B tokens (USB ICCD rev 1.0 §6.3) are driven by control requests, and a token answers a
// DataBlock request with "polling" (bResponseType 80h, the delay in 10 ms units) while it works. ccid/
// honoured up to 3000 polls of up to 1 s each, so a token that kept asking with a large delay held a
// command for 50 minutes, and a control transfer that never completed held it for good. Both are now
// bounded like the bulk channel: the command limit (ReaderOptions.maxCommandMs, 5 minutes by default)
// for polling, libccid's 5 s (or the read timeout) for one control transfer; CcidTimeoutError either way.
import { describe, expect, it } from 'vitest';
import { CcidReader, CcidTimeoutError } from '../../ccid/index.ts';
import { ATRS, TestApplet, VirtualReader, loadProfiles } from '../../sim/index.ts';

const iccd = loadProfiles().profiles.find((p) => p.interfaces[0]!.interfaceProtocol === 2 && p.interfaces[0]!.numEndpoints === 0)!;
const READ_16 = Uint8Array.of(0x80, 0x20, 0x00, 0x10, 0x10);

async function open(maxCommandMs?: number) {
  const device = new VirtualReader(iccd);
  device.insertCard(new TestApplet(ATRS.yubikey5));
  const [reader] = await CcidReader.open(device, { timeoutMs: 300, ...(maxCommandMs ? { maxCommandMs } : {}) });
  const card = await reader!.connect(0);
  return { device, reader: reader!, card };
}

/** Settles with the outcome, or 'hung' if it has not after `ms` (a bound on a hang, not a timing check). */
function outcome(p: Promise<unknown>, ms: number): Promise<unknown> {
  return Promise.race([p.then(() => 'answered', (err: unknown) => err), new Promise((r) => setTimeout(() => r('hung'), ms))]);
}

describe('ICCD version B: bounded polling and control transfers', () => {
  it('a token that keeps answering "polling" with the largest delay: CcidTimeoutError at the command limit', async () => {
    const { device, reader, card } = await open(1500);
    const real = device.controlTransferIn.bind(device);
    device.controlTransferIn = async (setup, length) => {
      if (setup.requestType === 'class' && setup.request === 0x6f) return { data: new DataView(Uint8Array.of(0x80, 0xff, 0xff).buffer), status: 'ok' };
      return real(setup, length);
    };
    expect(await outcome(card.transmit(READ_16), 25_000)).toBeInstanceOf(CcidTimeoutError);
    await reader.close();
  }, 60_000);

  it('a DataBlock request that never completes: CcidTimeoutError', async () => {
    const { device, reader, card } = await open();
    const real = device.controlTransferIn.bind(device);
    device.controlTransferIn = (setup, length) => {
      if (setup.requestType === 'class' && setup.request === 0x6f) return new Promise(() => undefined);
      return real(setup, length);
    };
    expect(await outcome(card.transmit(READ_16), 25_000)).toBeInstanceOf(CcidTimeoutError);
    await reader.close();
  }, 60_000);

  it('an XfrBlock request whose control transfer never completes: CcidTimeoutError', async () => {
    const { device, reader, card } = await open();
    device.controlTransferOut = () => new Promise(() => undefined);
    expect(await outcome(card.transmit(READ_16), 25_000)).toBeInstanceOf(CcidTimeoutError);
    await reader.close();
  }, 60_000);
});
