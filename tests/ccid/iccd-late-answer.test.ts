// ICCD version B (USB ICCD rev 1.0 §6.3) numbers nothing: a DataBlock request (6Fh) returns whatever answer the token
// holds, with no sequence number to tell whose it is. ccid/ bounds every ICCD command (polling, control transfers), so
// a slow or wedged token makes a command fail with CcidTimeoutError while the token still works on it. A token that
// finishes it and keeps its answer (answers in order) then hands that late answer to the NEXT DataBlock request: a
// timed-out GET DATA's answer came back as the answer to the following VERIFY, a silent wrong answer. Now, after a
// timeout, the ICCD channel hands out no answer until it is resynchronised: every later command fails with
// CardDesynchronizedError (CARD_DESYNCHRONIZED), and connecting the card again powers it off and on first, as libccid's
// CmdPowerOn does for ICCD ("first power off to reset the ICC state machine"), which drops the late answer.
//
// The same holds for any failure after the XfrBlock request (65h) has reached the token: a DataBlock request (6Fh)
// that fails as a USB transfer (NetworkError, a stall) or brings back an empty block or an unknown bResponseType leaves
// the token holding its answer, and the old driver handed it to the next command (a VERIFY read the discovery object's
// 90 00). Now such a failure desynchronises the channel too.
//
// No peer keeps answers this way on demand, so the token is the virtual ICCD-B reader (sim/) with a PIV card behind a
// test double that models a token answering in order: it queues each command's answer, answers "polling" (80h) while
// the test holds it busy, fails one DataBlock request when told to (keeping the answer), and forgets its queue on ICC
// power off. The outcomes are decided by explicit gates.
import { describe, expect, it } from 'vitest';
import { AtrError, CcidError, CcidReader, CcidTimeoutError } from '../../ccid/index.ts';
import { PivCard, VirtualReader, loadProfiles } from '../../sim/index.ts';

const ICCD = loadProfiles().profiles.find((p) => p.interfaces[0]!.interfaceProtocol === 2 && p.interfaces[0]!.numEndpoints === 0)!;
/** GET DATA, discovery object (SP 800-73-4 Part 2 §3.1.2): answers 7E ... 90 00. */
const GET_DISCOVERY = Uint8Array.of(0x00, 0xcb, 0x3f, 0xff, 0x03, 0x5c, 0x01, 0x7e, 0x00);
/** An empty VERIFY of the PIV PIN: 63 Cx, the tries left (what a PIN dialog shows). */
const PIN_STATUS = Uint8Array.of(0x00, 0x20, 0x00, 0x80);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

type Setup = Parameters<VirtualReader['controlTransferOut']>[0];
type InResult = Awaited<ReturnType<VirtualReader['controlTransferIn']>>;
type OutResult = Awaited<ReturnType<VirtualReader['controlTransferOut']>>;
/** How the next DataBlock request fails while the token keeps its answer. */
type DataBlockFault = 'transfer-error' | 'stall' | 'empty' | 'unknown-type';

/** The ICCD-B token double described above, over a VirtualReader. */
function inOrderToken(device: VirtualReader) {
  const out = device.controlTransferOut.bind(device);
  const into = device.controlTransferIn.bind(device);
  const token = {
    /** While set, DataBlock requests answer "polling": the token is still working. */
    busy: false,
    /** While set, the next XfrBlock request does not complete until `release` is called (a NAKing token). */
    holdNextXfr: false,
    release: undefined as (() => void) | undefined,
    /** Set: a token that does not drop the answer it holds on ICC power off (none is known to; the driver relies on it). */
    keepsAnswersOnPowerOff: false,
    /** While set, the next XfrBlock request is refused (stall): the token takes nothing. */
    stallNextXfr: false,
    /** While set, the next DataBlock request with an answer waiting fails this way; the answer stays queued. */
    failNextDataBlock: undefined as DataBlockFault | undefined,
    answers: [] as Uint8Array[],
  };
  const run = async (setup: Setup, data?: Uint8Array): Promise<OutResult> => {
    const result = await out(setup, data);
    if (setup.request === 0x63 && !token.keepsAnswersOnPowerOff) token.answers.length = 0;
    if (setup.request === 0x62 || setup.request === 0x65) {
      // The simulator computes the answer at once; the double keeps it in its queue.
      const answer = await into({ ...setup, recipient: 'interface', request: 0x6f, value: 0 }, 4096);
      const view = answer.data!;
      token.answers.push(new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice());
    }
    return result;
  };
  // The control pipe is in order (USB 2.0 §5.5, control transfers): a request waits for the one before it to complete.
  let pipe: Promise<unknown> = Promise.resolve();
  const inOrder = <T>(request: () => Promise<T>): Promise<T> => {
    const next = pipe.then(request);
    pipe = next.catch(() => undefined);
    return next;
  };
  device.controlTransferOut = (setup, data) => {
    if (setup.requestType !== 'class') return out(setup, data);
    const copy = data ? Uint8Array.from(data) : undefined;
    if (setup.request === 0x65 && token.stallNextXfr) {
      token.stallNextXfr = false;
      return inOrder(async (): Promise<OutResult> => ({ bytesWritten: 0, status: 'stall' }));
    }
    if (setup.request === 0x65 && token.holdNextXfr) {
      token.holdNextXfr = false;
      return inOrder(() => new Promise((resolve) => { token.release = () => resolve(run(setup, copy)); }));
    }
    return inOrder(() => run(setup, copy));
  };
  device.controlTransferIn = (setup, length) => inOrder(async (): Promise<InResult> => {
    if (setup.requestType !== 'class' || setup.request !== 0x6f || token.answers.length === 0) return into(setup, length);
    if (token.busy) return { data: new DataView(Uint8Array.of(0x80, 0x01, 0x00).buffer), status: 'ok' };
    const fault = token.failNextDataBlock;
    token.failNextDataBlock = undefined;
    if (fault === 'transfer-error') throw new Error('NetworkError: A transfer error has occurred.');
    if (fault === 'stall') return { status: 'stall' };
    if (fault === 'empty') return { data: new DataView(new ArrayBuffer(0)), status: 'ok' };
    if (fault === 'unknown-type') return { data: new DataView(Uint8Array.of(0x20, 0x90, 0x00).buffer), status: 'ok' };
    const answer = token.answers.shift()!;
    return { data: new DataView(answer.slice(0, length).buffer), status: 'ok' };
  });
  return token;
}

async function open() {
  const piv = new PivCard({ pin: '739182' });
  const device = new VirtualReader(ICCD);
  device.insertCard(piv);
  const token = inOrderToken(device);
  const [reader] = await CcidReader.open(device, { timeoutMs: 300, maxCommandMs: 1500 });
  const card = await reader!.connect(0);
  expect(hex(await card.transmit(PIN_STATUS))).toBe('63c3');
  return { piv, token, reader: reader!, card };
}

/** Settles with the answer's hex or the error; 'hung' if nothing after `ms` (a bound on a hang, not a timing check). */
function outcome(p: Promise<Uint8Array>, ms = 40_000): Promise<unknown> {
  return Promise.race([p.then(hex, (err: unknown) => err), new Promise((r) => setTimeout(() => r('hung'), ms))]);
}

function expectCode(got: unknown, code: string): void {
  expect(got).toBeInstanceOf(CcidError);
  expect((got as CcidError).code).toBe(code);
}

describe('ICCD version B: a timed-out command\'s late answer is never handed to the next one', () => {
  it('polling past the command limit: the next command fails with CARD_DESYNCHRONIZED; reconnecting resynchronises', async () => {
    const { piv, token, reader, card } = await open();
    token.busy = true;
    expect(await outcome(card.transmit(GET_DISCOVERY))).toBeInstanceOf(CcidTimeoutError);
    // The token finishes the GET DATA; its answer waits for the next DataBlock request.
    token.busy = false;
    const next = await outcome(card.transmit(PIN_STATUS));
    expect(String(next)).not.toMatch(/^7e/); // the old driver returned the discovery object here
    expectCode(next, 'CARD_DESYNCHRONIZED');
    // Still refused: nothing is sent to the token until it is resynchronised.
    expectCode(await outcome(card.transmit(GET_DISCOVERY)), 'CARD_DESYNCHRONIZED');
    const again = await reader.connect(0);
    expect(await outcome(again.transmit(PIN_STATUS))).toBe('63c3');
    expect(String(await outcome(again.transmit(GET_DISCOVERY)))).toMatch(/^7e.*9000$/);
    expect(piv.pinLeft).toBe(3);
    await reader.close();
  }, 60_000);

  it('an XfrBlock request that completes only after its timeout, on a token without reset(): nothing more is sent', async () => {
    // This double has no USBDevice.reset(), so the stuck request cannot be swept away (iccd-stuck-transfer.test.ts
    // covers the reset): the reader is wedged, and the late answer is never handed to anyone.
    const { token, reader, card } = await open();
    token.holdNextXfr = true;
    expectCode(await outcome(card.transmit(GET_DISCOVERY)), 'READER_WEDGED');
    // The token takes the GET DATA late (the control pipe is in order: before anything sent after it).
    token.release!();
    const next = await outcome(card.transmit(PIN_STATUS));
    expect(String(next)).not.toMatch(/^7e/);
    expectCode(next, 'READER_WEDGED');
    expectCode(await outcome(reader.connect(0).then(() => new Uint8Array(0))), 'READER_WEDGED');
    await reader.close();
  }, 60_000);

  it.each<[DataBlockFault, string]>([
    ['transfer-error', 'USB_TRANSFER'],
    ['stall', 'USB_TRANSFER'],
    ['empty', 'CCID_PROTOCOL'],
    ['unknown-type', 'CCID_PROTOCOL'],
  ])('a DataBlock request that fails (%s) after the XfrBlock request reached the token: same', async (fault, code) => {
    const { piv, token, reader, card } = await open();
    token.failNextDataBlock = fault;
    expectCode(await outcome(card.transmit(GET_DISCOVERY)), code);
    // The token still holds the GET DATA's answer: the next DataBlock request would return it.
    expect(token.answers).toHaveLength(1);
    const next = await outcome(card.transmit(PIN_STATUS));
    expect(String(next)).not.toMatch(/^7e/); // the old driver returned the discovery object here
    expectCode(next, 'CARD_DESYNCHRONIZED');
    const again = await reader.connect(0);
    expect(await outcome(again.transmit(PIN_STATUS))).toBe('63c3');
    expect(String(await outcome(again.transmit(GET_DISCOVERY)))).toMatch(/^7e.*9000$/);
    expect(piv.pinLeft).toBe(3);
    await reader.close();
  }, 60_000);

  it('a token that keeps a stale answer across ICC power off: read as the ATR, it is refused (ATR_BAD_TS), not used', async () => {
    const { token, reader, card } = await open();
    token.keepsAnswersOnPowerOff = true;
    token.failNextDataBlock = 'transfer-error';
    expectCode(await outcome(card.transmit(GET_DISCOVERY)), 'USB_TRANSFER');
    expectCode(await outcome(card.transmit(PIN_STATUS)), 'CARD_DESYNCHRONIZED');
    // Reconnecting powers off and on; this token still answers the power on with the GET DATA's 7E ... 90 00, which
    // fails closed as an ATR (ISO/IEC 7816-3 §8: TS is 3B or 3F) rather than becoming a card handle.
    const again = await outcome(reader.connect(0).then(() => new Uint8Array(0)));
    expectCode(again, 'ATR_BAD_TS');
    expect(again).toBeInstanceOf(AtrError);
    await reader.close();
  }, 60_000);

  it('an XfrBlock request the token refuses (stall) was never taken: the channel stays in step', async () => {
    const { token, reader, card } = await open();
    token.stallNextXfr = true;
    expectCode(await outcome(card.transmit(GET_DISCOVERY)), 'USB_TRANSFER');
    expect(token.answers).toHaveLength(0);
    expect(await outcome(card.transmit(PIN_STATUS))).toBe('63c3');
    await reader.close();
  }, 60_000);
});
