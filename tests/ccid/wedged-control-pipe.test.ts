// A reader whose control pipe is wedged: GET_DESCRIPTOR (USB 2.0 §9.4.3) or the CCID ABORT request
// (CCID 1.1 §5.3.1) never completes. WebUSB transfers have no timeout of their own, so CcidReader.open
// (the page's "choose a reader" step) and CcidCard.abort waited for good. Both are now bounded
// (libccid's 5 s) and fail with CcidTimeoutError.
import { describe, expect, it } from 'vitest';
import { CcidReader, CcidTimeoutError } from '../../ccid/index.ts';
import { ATRS, TestApplet, VirtualReader, loadProfiles } from '../../sim/index.ts';

const profile = loadProfiles().profiles.find((p) => p.interfaces.length === 1 && p.interfaces[0]!.numEndpoints >= 2)!;

describe('a reader whose control pipe never answers', () => {
  it('CcidReader.open fails with CcidTimeoutError instead of waiting for good', async () => {
    const device = new VirtualReader(profile);
    device.controlTransferIn = () => new Promise(() => undefined);
    const outcome = await Promise.race([
      CcidReader.open(device).then(() => 'opened', (err: unknown) => err),
      // A bound on a hang, not a timing check: the transfer limit is 5 s.
      new Promise((r) => setTimeout(() => r('hung'), 40_000)),
    ]);
    expect(outcome).toBeInstanceOf(CcidTimeoutError);
  }, 60_000);

  it('CcidCard.abort fails with CcidTimeoutError when the ABORT request never completes', async () => {
    const device = new VirtualReader(profile);
    device.insertCard(new TestApplet(ATRS.yubikey5));
    const [reader] = await CcidReader.open(device, { timeoutMs: 300 });
    const card = await reader!.connect(0);
    device.controlTransferOut = () => new Promise(() => undefined);
    const outcome = await Promise.race([
      card.abort().then(() => 'aborted', (err: unknown) => err),
      new Promise((r) => setTimeout(() => r('hung'), 40_000)),
    ]);
    expect(outcome).toBeInstanceOf(CcidTimeoutError);
    await reader!.close();
  }, 60_000);
});
