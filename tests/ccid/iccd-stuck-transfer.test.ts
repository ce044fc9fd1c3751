// An ICCD version B token (USB ICCD rev 1.0 §6.3) is driven on the control pipe, where a request waits for the one
// before it. When one never completes (the token NAKs), ccid/ gives up after 5 s, but WebUSB cannot cancel that control
// transfer: a VERIFY's XfrBlock request still reached the token whenever it let go, after the caller was told the
// attempt failed (a PIN try nobody saw), and a stuck DataBlock request held every later request, so connecting the card
// again (ICC power off and on) timed out too. Now a timed-out control transfer is swept away with USBDevice.reset()
// (every transfer rejects; the token restarts unpowered): the caller gets CARD_RESET, as on the bulk path, the VERIFY
// never reaches the token, and the card connects again with its real retry counter. Where it cannot be swept away (no
// reset(), a reset that fails, an interface that cannot be claimed again) the request may still reach the token: the
// reader is wedged (READER_WEDGED) and nothing more is sent, where before the caller was told "timeout" and the next
// requests queued behind the stuck one.
//
// After the reset the interface is released and claimed again: Chrome keeps the device open and the interface marked
// claimed, so a bare claimInterface() resolves without asking the OS, which dropped its claim (chrome-reset.ts).
//
// The token is the virtual ICCD-B reader (sim/) with a PIV card, behind a test double that keeps the control pipe in
// order, holds one chosen request until released, and models Chrome's reset. Outcomes are decided by explicit gates.
import { describe, expect, it } from 'vitest';
import { CcidError, CcidReader } from '../../ccid/index.ts';
import { PivCard, VirtualReader, loadProfiles } from '../../sim/index.ts';
import { chromeReset } from './chrome-reset.ts';

const ICCD = loadProfiles().profiles.find((p) => p.interfaces[0]!.interfaceProtocol === 2 && p.interfaces[0]!.numEndpoints === 0)!;
const pad = (pin: string): number[] => [...Buffer.from(pin.padEnd(8, '\xff'), 'latin1')];
const VERIFY_WRONG = Uint8Array.of(0x00, 0x20, 0x00, 0x80, 0x08, ...pad('000000'));
/** An empty VERIFY: 63 Cx, the tries left, as a PIN dialog reads them before asking. */
const PIN_STATUS = Uint8Array.of(0x00, 0x20, 0x00, 0x80);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The token double described above; `hold` names the request (6Fh DataBlock, 65h XfrBlock) to hold next. */
function stickyToken(device: VirtualReader, simCard: ReturnType<VirtualReader['insertCard']>) {
  const out = device.controlTransferOut.bind(device);
  const into = device.controlTransferIn.bind(device);
  const state = { hold: 0, release: undefined as (() => Promise<void>) | undefined, classRequests: 0 };
  const cancels = new Set<(err: Error) => void>();
  let pipe: Promise<unknown> = Promise.resolve();
  const inOrder = <T>(request: number, run: () => Promise<T>): Promise<T> => new Promise<T>((resolve, reject) => {
    state.classRequests++;
    let cancelled = false;
    const cancel = (err: Error): void => { cancelled = true; reject(err); };
    cancels.add(cancel);
    pipe = pipe.then(async () => {
      if (cancelled) return;
      if (state.hold === request) {
        state.hold = 0;
        await new Promise<void>((let_go) => { state.release = async () => { let_go(); await pipe; }; });
        state.release = undefined;
      }
      if (cancelled) return;
      cancels.delete(cancel);
      resolve(await run());
    });
  });
  device.controlTransferOut = (setup, data) => {
    if (setup.requestType !== 'class') return out(setup, data);
    const copy = data ? Uint8Array.from(data) : undefined;
    return inOrder(setup.request, () => out(setup, copy));
  };
  device.controlTransferIn = (setup, length) => {
    if (setup.requestType !== 'class') return into(setup, length);
    return inOrder(setup.request, () => into(setup, length));
  };
  // USB reset: every transfer in flight rejects; the token restarts with the card unpowered.
  const usb = chromeReset(device, () => {
    for (const cancel of cancels) cancel(new Error('AbortError: The transfer was cancelled.'));
    cancels.clear();
    pipe = Promise.resolve();
    device.insertCard(simCard);
  });
  return Object.assign(state, { usb });
}

async function open(options: { noReset?: boolean } = {}) {
  const piv = new PivCard({ pin: '739182' });
  const device = new VirtualReader(ICCD);
  const simCard = device.insertCard(piv);
  const token = stickyToken(device, simCard);
  if (options.noReset) delete (device as { reset?: unknown }).reset;
  const [reader] = await CcidReader.open(device, { timeoutMs: 300 });
  const card = await reader!.connect(0);
  expect(hex(await card.transmit(PIN_STATUS))).toBe('63c3');
  return { piv, token, reader: reader!, card };
}

/** Settles with the answer's hex or the error; 'hung' if nothing after `ms` (a bound on a hang, not a timing check). */
function outcome(p: Promise<unknown>, ms = 40_000): Promise<unknown> {
  return Promise.race([p.then((r) => (r instanceof Uint8Array ? hex(r) : 'connected'), (err: unknown) => err), new Promise((r) => setTimeout(() => r('hung'), ms))]);
}

function expectCode(got: unknown, code: string): void {
  expect(got).toBeInstanceOf(CcidError);
  expect((got as CcidError).code).toBe(code);
}

describe('ICCD version B: a control transfer that never completes is swept away', () => {
  it('a VERIFY whose XfrBlock request the token does not take never reaches it later; the card connects again', async () => {
    const { piv, token, reader, card } = await open();
    token.hold = 0x65;
    expectCode(await outcome(card.transmit(VERIFY_WRONG)), 'CARD_RESET');
    // Whatever the token does with the request from now on, the card must agree with what the caller was told.
    await token.release?.();
    expect(piv.pinLeft).toBe(3);
    expect(token.usb.resets).toBe(1);
    // The card was powered off under the handle: it stays refused until connected again.
    expectCode(await outcome(card.transmit(PIN_STATUS)), 'CARD_RESET');
    // Released, then claimed for real (a bare claimInterface() would leave the interface unclaimed in Chrome).
    expect(token.usb.claimed).toBe(true);
    const again = await reader.connect(0);
    expect(await outcome(again.transmit(PIN_STATUS))).toBe('63c3');
    await reader.close();
  }, 60_000);

  it('a DataBlock request that never completes no longer blocks connecting the card again', async () => {
    const { token, reader, card } = await open();
    token.hold = 0x6f;
    expectCode(await outcome(card.transmit(PIN_STATUS)), 'CARD_RESET');
    const again = await outcome(reader.connect(0));
    expect(again).toBe('connected');
    await token.release?.();
    await reader.close();
  }, 60_000);

  it.each(['no reset()', 'a reset that fails', 'a claim that fails after the reset'])(
    'with %s: READER_WEDGED, and nothing more is sent to the token', async (how) => {
      const { piv, token, reader, card } = await open({ noReset: how === 'no reset()' });
      token.usb.resetFails = how === 'a reset that fails';
      token.usb.claimFails = how === 'a claim that fails after the reset';
      token.hold = 0x65;
      expectCode(await outcome(card.transmit(VERIFY_WRONG)), 'READER_WEDGED');
      expect(token.usb.resets).toBe(how === 'a claim that fails after the reset' ? 1 : 0);
      const sent = token.classRequests;
      // Refused at once, not queued behind the stuck request (where a reconnect's power off would wait for it).
      expectCode(await outcome(card.transmit(PIN_STATUS)), 'READER_WEDGED');
      expectCode(await outcome(reader.connect(0)), 'READER_WEDGED');
      expect(token.classRequests).toBe(sent);
      // The error says so: a stuck request may still reach the token (here the VERIFY, when no reset swept it away).
      await token.release?.();
      expect(piv.pinLeft).toBe(how === 'a claim that fails after the reset' ? 3 : 2);
      await reader.close();
    }, 60_000);
});
