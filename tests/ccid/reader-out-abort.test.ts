// A VERIFY whose bulk-OUT transfer the reader does not take (it NAKs: firmware busy or wedged) fails after libccid's
// 5 s write bound with CcidTimeoutError, but WebUSB cannot cancel that one transfer: when the reader takes it later,
// the card still checks the PIN, after the user was told the attempt failed, and a wrong PIN spends a try nobody saw.
// Now the driver settles the command before it answers: CCID 1.1 §5.3.1 ABORT (the class request, then
// PC_to_RDR_Abort with the same bSeq and bSlot, answered by RDR_to_PC_SlotStatus). A reader that cancels the command:
// CcidTimeoutError, and the card never saw the PIN. A reader that runs it anyway: its real answer (63 C2). A reader
// that completes nothing: USBDevice.reset() cancels every transfer and powers the card off (CardResetError), and the
// command never reaches the card. In every case the next PIN status read is the card's real retry counter.
//
// Also pinned here: a command the reader runs anyway may ask for more time (bmCommandStatus 2, CCID 1.1 §6.2.6) before
// it answers, as an RSA signature does; the answers to the Abort are read with the command's time extensions and
// deadline (before: the base 2 s timeout, then a reset that powered the card off mid-command). After the reset the
// interface is released and claimed again (chrome-reset.ts: Chrome keeps the device open and the interface marked
// claimed, so a bare claimInterface() left it unclaimed); if that claim fails, READER_WEDGED. A command answered by
// SlotStatus (IccPowerOff) that the reader drops silently is reported aborted, not done: the one SlotStatus is the
// Abort's.
//
// No peer wedges on demand: the reader is the virtual reader (sim/) with a PIV card, behind a test double that keeps
// the bulk-OUT pipe in order (USB 2.0 §5.8, bulk transfers: a transfer waits for the one before it), holds the VERIFY's transfer until
// released, and models the reader's answer to the ABORT request and Chrome's USB reset. Outcomes are decided by explicit
// gates, not timing; the 5 s bound only decides when the driver gives up.
import { describe, expect, it } from 'vitest';
import { CcidError, CcidReader, CcidTimeoutError, Command } from '../../ccid/index.ts';
import { PivCard, VirtualReader } from '../../sim/index.ts';
import { chromeReset } from './chrome-reset.ts';
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
type InResult = Awaited<ReturnType<VirtualReader['transferIn']>>;
/** The driver's read timeout per reply, before time extensions. */
const TIMEOUT_MS = 2000;
const XFR_BLOCK = 0x6f;
const ICC_POWER_OFF = 0x63;

/** The reader double described above. */
function wedgingReader(device: VirtualReader, simCard: ReturnType<VirtualReader['insertCard']>, onAbort: AbortBehaviour) {
  const out = device.transferOut.bind(device);
  const state = {
    /** Set: the next message of this type (6Fh XfrBlock) is held (NAKed) until `release` or an ABORT request lets it go. */
    wedgeNext: 0,
    heldSeq: -1,
    release: undefined as ((deliver: boolean) => Promise<void>) | undefined,
    /**
     * Set: the held command, run anyway, first answers with one time extension of this multiplier, and its real answer
     * comes `slowMs` later (a card working longer than the driver's base read timeout).
     */
    slowMultiplier: 0,
    slowMs: 0,
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
      if (state.wedgeNext === bytes[0]) {
        state.wedgeNext = 0;
        state.heldSeq = bytes[6]!;
        deliver = await new Promise<boolean>((let_go) => {
          state.release = async (d) => { let_go(d); await pipe; };
        });
        state.release = undefined;
        if (deliver && state.slowMultiplier) slowAnswer(bytes[6]!);
        state.heldSeq = -1;
      }
      if (cancelled) return;
      cancels.delete(cancel);
      // A cancelled command is taken off the pipe and dropped (no answer of its own); the Abort message answers.
      resolve(deliver ? await out(endpoint, bytes) : { bytesWritten: bytes.length, status: 'ok' });
    });
  });
  // The slow answer: the bulk-IN read that brings the command's answer gets a time extension instead, and the answer
  // itself comes with the next read, `slowMs` after the extension; the Abort's SlotStatus stays queued behind it.
  const takeIn = device.transferIn.bind(device);
  let slowSeq = -1;
  let held: Promise<InResult> | undefined;
  const slowAnswer = (seq: number): void => { slowSeq = seq; };
  device.transferIn = async (endpoint, length) => {
    if (held) {
      const answer = held;
      held = undefined;
      return answer;
    }
    const r = await takeIn(endpoint, length);
    const b = new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength);
    if (b[0] !== 0x80 || b[6] !== slowSeq) return r;
    slowSeq = -1;
    held = new Promise((resolve) => setTimeout(() => resolve(r), state.slowMs));
    const extension = b.slice(0, 10);
    extension.fill(0, 1, 5); // dwLength 0
    extension[7] = 0x80 | (b[7]! & 0x03); // bmCommandStatus 2: time extension
    extension[8] = state.slowMultiplier; // bError: the multiplier
    return { data: new DataView(extension.buffer), status: 'ok' };
  };
  const controlOut = device.controlTransferOut.bind(device);
  device.controlTransferOut = async (setup, data) => {
    if (setup.requestType === 'class' && setup.request === 0x01 && (setup.value >> 8) === state.heldSeq && onAbort !== 'ignores') {
      void state.release?.(onAbort === 'runs-anyway');
    }
    return controlOut(setup, data);
  };
  // USB reset as Chrome does it: every transfer in flight rejects; the reader restarts, the card unpowered.
  const usb = chromeReset(device, () => {
    for (const cancel of cancels) cancel(new Error('AbortError: The transfer was cancelled.'));
    cancels.clear();
    pipe = Promise.resolve();
    held = undefined;
    device.insertCard(simCard);
  });
  return Object.assign(state, { usb });
}

async function open(level: number, onAbort: AbortBehaviour) {
  const piv = new PivCard({ pin: PIN });
  const device = new VirtualReader(pickProfile(level, 1));
  const simCard = device.insertCard(piv);
  const reader = wedgingReader(device, simCard, onAbort);
  const [ccid] = await CcidReader.open(device, { timeoutMs: TIMEOUT_MS });
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
    reader.wedgeNext = XFR_BLOCK;
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
    reader.wedgeNext = XFR_BLOCK;
    const got = await outcome(card.transmit(VERIFY_WRONG));
    await reader.release?.(true);
    expect(got).toBe('63c2');
    expect(piv.pinLeft).toBe(2);
    expect(hex(await card.transmit(PIN_STATUS))).toBe('63c2');
    await ccid.close();
  }, 60_000);

  it('a reader that completes nothing: reset, CARD_RESET, the PIN never reaches the card; reconnecting reads the real count', async () => {
    const { piv, reader, ccid, card } = await open(level, 'ignores');
    reader.wedgeNext = XFR_BLOCK;
    const got = await outcome(card.transmit(VERIFY_WRONG));
    await reader.release?.(true);
    expect(got).toBeInstanceOf(CcidError);
    expect((got as CcidError).code).toBe('CARD_RESET');
    expect(reader.usb.resets).toBe(1);
    expect(piv.pinLeft).toBe(3);
    // The old card handle stays refused: the card lost power (and any verified PIN) under it.
    expect(((await outcome(card.transmit(PIN_STATUS))) as CcidError).code).toBe('CARD_RESET');
    // Released, then claimed for real (a bare claimInterface() would leave the interface unclaimed in Chrome).
    expect(reader.usb.claimed).toBe(true);
    const again = await ccid.connect(0);
    expect(hex(await again.transmit(PIN_STATUS))).toBe('63c3');
    await ccid.close();
  }, 60_000);

  it('a reader that completes nothing, and whose interface cannot be claimed after the reset: READER_WEDGED', async () => {
    const { piv, reader, ccid, card } = await open(level, 'ignores');
    reader.usb.claimFails = true;
    reader.wedgeNext = XFR_BLOCK;
    const got = await outcome(card.transmit(VERIFY_WRONG));
    await reader.release?.(true);
    expect(got).toBeInstanceOf(CcidError);
    expect((got as CcidError).code).toBe('READER_WEDGED');
    expect(reader.usb.resets).toBe(1);
    expect(piv.pinLeft).toBe(3);
    expect(((await outcome(ccid.connect(0).then(() => new Uint8Array(0)))) as CcidError).code).toBe('READER_WEDGED');
    await ccid.close();
  }, 60_000);

  it('a reader that runs the command anyway but asks for more time: the card\'s answer, no reset', async () => {
    const { piv, reader, ccid, card } = await open(level, 'runs-anyway');
    // One time extension asking for 50 x the read timeout (100 s); the answer comes two read timeouts later.
    reader.slowMultiplier = 50;
    reader.slowMs = 2 * TIMEOUT_MS;
    reader.wedgeNext = XFR_BLOCK;
    const got = await outcome(card.transmit(VERIFY_WRONG));
    expect(got).toBe('63c2'); // before: CARD_RESET, the reader reset while the card worked
    expect(reader.usb.resets).toBe(0);
    expect(piv.pinLeft).toBe(2);
    expect(hex(await card.transmit(PIN_STATUS))).toBe('63c2');
    await ccid.close();
  }, 60_000);
});

describe('an aborted command answered by SlotStatus', () => {
  it('an IccPowerOff the reader drops on ABORT is reported aborted, not done: the card stays powered', async () => {
    const { reader, ccid } = await open(0x40000, 'cancels');
    reader.wedgeNext = ICC_POWER_OFF;
    const got = await outcome(ccid.channel!.exchange({ type: Command.IccPowerOff, slot: 0 }).then(() => new Uint8Array(0)));
    // Before: the Abort's SlotStatus (same bSeq) came back as the power off's answer.
    expect(got).toBeInstanceOf(CcidTimeoutError);
    expect((got as CcidError).code).toBe('CCID_TIMEOUT');
    expect(await ccid.slotStatus(0)).toBe('active');
    await ccid.close();
  }, 60_000);
});
