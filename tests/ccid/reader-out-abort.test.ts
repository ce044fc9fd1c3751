// A VERIFY whose bulk-OUT transfer the reader does not take (it NAKs: firmware busy or wedged) fails after libccid's
// 5 s write bound with CcidTimeoutError, but WebUSB cannot cancel that one transfer: when the reader takes it later,
// the card still checks the PIN, after the user was told the attempt failed, and a wrong PIN spends a try nobody saw.
// Now the driver settles the command before it answers: CCID 1.1 §5.3.1 ABORT (the class request, then
// PC_to_RDR_Abort with the same bSeq and bSlot, answered by RDR_to_PC_SlotStatus). A reader that cancels the command:
// CcidTimeoutError, and the card never saw the PIN. A reader that runs it anyway: its real answer (63 C2). A reader
// that completes nothing: USBDevice.reset() cancels every transfer and powers the card off (CardResetError), and the
// command never reaches the card. In every case the next PIN status read is the card's real retry counter.
//
// No peer wedges on demand: the reader is the virtual reader (sim/) with a PIV card, behind a test double that keeps
// the bulk-OUT pipe in order (USB 2.0 §5.8, bulk transfers: a transfer waits for the one before it), holds the VERIFY's transfer until
// released, and models the reader's answer to the ABORT request and to a USB reset. Outcomes are decided by explicit
// gates, not timing; the 5 s bound only decides when the driver gives up.
import { describe, expect, it } from 'vitest';
import { CcidError, CcidReader, CcidTimeoutError } from '../../ccid/index.ts';
import { PivCard, VirtualReader } from '../../sim/index.ts';
import { pickProfile } from './pick-profile.ts';

// The recovery lives in the channel, below every level: T=1 TPDU (the VERIFY is one I-block) and extended APDU.
const LEVELS: [string, number][] = [['TPDU', 0x10000], ['extended APDU', 0x40000]];
const PIN = '739182';
const pad = (pin: string): number[] => [...Buffer.from(pin.padEnd(8, '\xff'), 'latin1')];
const VERIFY_WRONG = Uint8Array.of(0x00, 0x20, 0x00, 0x80, 0x08, ...pad('000000'));
/** An empty VERIFY: 63 Cx, the tries left, as a PIN dialog reads them before asking. */
const PIN_STATUS = Uint8Array.of(0x00, 0x20, 0x00, 0x80);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

type AbortBehaviour = 'cancels' | 'runs-anyway' | 'ignores';
type OutResult = Awaited<ReturnType<VirtualReader['transferOut']>>;

/** The reader double described above. */
function wedgingReader(device: VirtualReader, simCard: ReturnType<VirtualReader['insertCard']>, onAbort: AbortBehaviour) {
  const out = device.transferOut.bind(device);
  const state = {
    /** Set: the next XfrBlock's transfer is held (NAKed) until `release` or an ABORT request lets it go. */
    wedgeNext: false,
    heldSeq: -1,
    release: undefined as ((deliver: boolean) => Promise<void>) | undefined,
    resets: 0,
  };
  const cancels = new Set<(err: Error) => void>();
  let pipe: Promise<unknown> = Promise.resolve();
  device.transferOut = (endpoint, data) => new Promise<OutResult>((resolve, reject) => {
    const bytes = Uint8Array.from(data);
    let cancelled = false;
    const cancel = (err: Error): void => { cancelled = true; reject(err); };
    cancels.add(cancel);
    pipe = pipe.then(async () => {
      if (cancelled) return;
      let deliver = true;
      if (state.wedgeNext && bytes[0] === 0x6f) {
        state.wedgeNext = false;
        state.heldSeq = bytes[6]!;
        deliver = await new Promise<boolean>((let_go) => {
          state.release = async (d) => { let_go(d); await pipe; };
        });
        state.release = undefined;
        state.heldSeq = -1;
      }
      if (cancelled) return;
      cancels.delete(cancel);
      // A cancelled command is taken off the pipe and dropped (no answer of its own); the Abort message answers.
      resolve(deliver ? await out(endpoint, bytes) : { bytesWritten: bytes.length, status: 'ok' });
    });
  });
  const controlOut = device.controlTransferOut.bind(device);
  device.controlTransferOut = async (setup, data) => {
    if (setup.requestType === 'class' && setup.request === 0x01 && (setup.value >> 8) === state.heldSeq && onAbort !== 'ignores') {
      void state.release?.(onAbort === 'runs-anyway');
    }
    return controlOut(setup, data);
  };
  // USB reset (WebUSB USBDevice.reset): every transfer in flight rejects; the reader restarts, the card unpowered.
  (device as VirtualReader & { reset(): Promise<void> }).reset = async () => {
    state.resets++;
    for (const cancel of cancels) cancel(new Error('AbortError: The transfer was cancelled.'));
    cancels.clear();
    pipe = Promise.resolve();
    await device.close();
    await device.open();
    await device.selectConfiguration(1);
    device.insertCard(simCard);
  };
  return state;
}

async function open(level: number, onAbort: AbortBehaviour) {
  const piv = new PivCard({ pin: PIN });
  const device = new VirtualReader(pickProfile(level, 1));
  const simCard = device.insertCard(piv);
  const reader = wedgingReader(device, simCard, onAbort);
  const [ccid] = await CcidReader.open(device, { timeoutMs: 2000 });
  const card = await ccid!.connect(0);
  expect(hex(await card.transmit(PIN_STATUS))).toBe('63c3');
  return { piv, reader, ccid: ccid!, card };
}

/** Settles with the answer's hex or the error; 'hung' if nothing after `ms` (a bound on a hang, not a timing check). */
function outcome(p: Promise<Uint8Array>, ms = 45_000): Promise<unknown> {
  return Promise.race([p.then(hex, (err: unknown) => err), new Promise((r) => setTimeout(() => r('hung'), ms))]);
}

describe.each(LEVELS)('a VERIFY whose bulk-OUT transfer the reader does not take, %s level', (_name, level) => {
  it('a reader that honours ABORT: CcidTimeoutError, the PIN never reaches the card, the retry count is the card\'s', async () => {
    const { piv, reader, ccid, card } = await open(level, 'cancels');
    reader.wedgeNext = true;
    const got = await outcome(card.transmit(VERIFY_WRONG));
    // Whatever the reader does with the transfer from now on, the card must agree with what the caller was told.
    await reader.release?.(true);
    expect(got).toBeInstanceOf(CcidTimeoutError);
    expect(piv.pinLeft).toBe(3);
    expect(hex(await card.transmit(PIN_STATUS))).toBe('63c3');
    await ccid.close();
  }, 60_000);

  it('a reader that runs the command anyway: the card\'s real answer, not a timeout', async () => {
    const { piv, reader, ccid, card } = await open(level, 'runs-anyway');
    reader.wedgeNext = true;
    const got = await outcome(card.transmit(VERIFY_WRONG));
    await reader.release?.(true);
    expect(got).toBe('63c2');
    expect(piv.pinLeft).toBe(2);
    expect(hex(await card.transmit(PIN_STATUS))).toBe('63c2');
    await ccid.close();
  }, 60_000);

  it('a reader that completes nothing: reset, CARD_RESET, the PIN never reaches the card; reconnecting reads the real count', async () => {
    const { piv, reader, ccid, card } = await open(level, 'ignores');
    reader.wedgeNext = true;
    const got = await outcome(card.transmit(VERIFY_WRONG));
    await reader.release?.(true);
    expect(got).toBeInstanceOf(CcidError);
    expect((got as CcidError).code).toBe('CARD_RESET');
    expect(reader.resets).toBe(1);
    expect(piv.pinLeft).toBe(3);
    // The old card handle stays refused: the card lost power (and any verified PIN) under it.
    expect(((await outcome(card.transmit(PIN_STATUS))) as CcidError).code).toBe('CARD_RESET');
    const again = await ccid.connect(0);
    expect(hex(await again.transmit(PIN_STATUS))).toBe('63c3');
    await ccid.close();
  }, 60_000);
});
