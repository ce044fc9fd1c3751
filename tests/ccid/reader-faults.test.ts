// The driver against a misbehaving virtual reader: every reader fault the simulator injects
// (wrong bSeq, short reads, time extensions, stalls/timeouts, garbage, OUT stalls, removal
// mid-command), slot events (interrupt endpoint and polling), busy readers, several readers.
import { describe, expect, it } from 'vitest';
import {
  CardRemovedError, CcidProtocolError, CcidReader, CcidSlotError, CcidTimeoutError, NoCardError, ReaderBusyError,
  UsbTransferError,
} from '../../ccid/index.ts';
import type { SlotEvent } from '../../ccid/index.ts';
import { ATRS, TestApplet, VirtualReader, loadProfiles, patternByte } from '../../sim/index.ts';
import type { ReaderProfile } from '../../sim/index.ts';

const { profiles } = loadProfiles();
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const READ_16 = Uint8Array.of(0x80, 0x20, 0x00, 0x10, 0x10);
const READ_2K = Uint8Array.of(0x80, 0x20, 0x08, 0x00, 0x00, 0x00, 0x00);
const expected16 = hex(Uint8Array.from({ length: 16 }, (_, i) => patternByte(i))) + '9000';

/** The first single-interface profile at `level` with (or without) an interrupt endpoint and T=1. */
function pick(level: number, interrupt: boolean): ReaderProfile {
  const p = profiles.find((x) => x.interfaces.length === 1 && (x.interfaces[0]!.descriptor.dwFeatures & 0x70000) === level
    && (x.interfaces[0]!.numEndpoints === 3) === interrupt && x.interfaces[0]!.numEndpoints >= 2
    && (x.interfaces[0]!.descriptor.dwProtocols & 2) !== 0 && x.interfaces[0]!.descriptor.bMaxSlotIndex === 0);
  if (!p) throw new Error(`no profile for level ${level.toString(16)} interrupt=${interrupt}`);
  return p;
}

const LEVELS: [string, number][] = [['TPDU', 0x10000], ['short APDU', 0x20000], ['extended APDU', 0x40000]];

async function open(profile: ReaderProfile, timeoutMs = 300) {
  const device = new VirtualReader(profile);
  const sim = device.insertCard(new TestApplet(ATRS.yubikey5));
  const [reader] = await CcidReader.open(device, { timeoutMs, pollMs: 20 });
  const card = await reader!.connect(0);
  return { device, sim, reader: reader!, card };
}

describe.each(LEVELS)('reader faults at %s level', (_name, level) => {
  const profile = pick(level, true);

  it('skips a stale reply with the wrong bSeq', async () => {
    const { device, card } = await open(profile);
    device.faults.push({ kind: 'wrong-seq' });
    expect(hex(await card.transmit(READ_16))).toBe(expected16);
  });

  it('joins a reply split over two transfers (short read)', async () => {
    const { device, card } = await open(profile);
    device.faults.push({ kind: 'short-read' });
    expect(hex(await card.transmit(READ_16))).toBe(expected16);
  });

  it('waits through time extensions (bStatus 0x80)', async () => {
    const { device, card } = await open(profile);
    device.faults.push({ kind: 'time-extension', count: 3, multiplier: 2 });
    expect(hex(await card.transmit(READ_16))).toBe(expected16);
  });

  it('gives up on a card that keeps asking for more time past the command limit (CcidTimeoutError)', async () => {
    const device = new VirtualReader(profile);
    device.insertCard(new TestApplet(ATRS.yubikey5));
    const [reader] = await CcidReader.open(device, { timeoutMs: 300, pollMs: 20, maxCommandMs: 1000 });
    const card = await reader!.connect(0);
    // 60 extensions 40 ms apart: 2.4 s of "more time", each inside the 300 ms read timeout and under the count bound
    // (64), so only the 1 s limit stops it; before, the command waited them all out and succeeded.
    device.faults.push({ kind: 'time-extension', count: 60, intervalMs: 40 });
    await expect(card.transmit(READ_16)).rejects.toBeInstanceOf(CcidTimeoutError);
  });

  it('times out on a stalled reply, then recovers and skips the late reply', async () => {
    const { device, card } = await open(profile, 100);
    device.faults.push({ kind: 'delay', ms: 250 });
    await expect(card.transmit(READ_16)).rejects.toBeInstanceOf(CcidTimeoutError);
    await new Promise((r) => setTimeout(r, 300));
    expect(hex(await card.transmit(READ_16))).toBe(expected16);
    const big = await card.transmit(READ_2K);
    expect(big.length).toBe(2050);
  });

  it('rejects a garbage reply with CcidProtocolError, then works again', async () => {
    const { device, card } = await open(profile);
    device.faults.push({ kind: 'garbage' });
    await expect(card.transmit(READ_16)).rejects.toBeInstanceOf(CcidProtocolError);
    device.faults.push({ kind: 'garbage', bytes: Uint8Array.of(0x80, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0) });
    await expect(card.transmit(READ_16)).rejects.toBeInstanceOf(CcidProtocolError);
    expect(hex(await card.transmit(READ_16))).toBe(expected16);
  });

  it('reports an OUT stall as UsbTransferError, then works again', async () => {
    const { device, card } = await open(profile);
    device.faults.push({ kind: 'out-stall' });
    await expect(card.transmit(READ_16)).rejects.toBeInstanceOf(UsbTransferError);
    expect(hex(await card.transmit(READ_16))).toBe(expected16);
  });
});

describe('slot events and removal', () => {
  it('NotifySlotChange fails the command in flight at once and reports removed/inserted', async () => {
    const { device, reader, card } = await open(pick(0x10000, true), 5000);
    const events: SlotEvent[] = [];
    reader.watch((e) => events.push(e));
    // The NotifySlotChange queued when the card went in (before connect) is checked against
    // the slot's status first (GetSlotStatus); the delay below is for the XfrBlock, not for it.
    await new Promise((r) => setTimeout(r, 20));
    device.faults.push({ kind: 'delay', ms: 2000 });
    // "At once": before the reply the reader holds back for 2 s could have come. Timers fire in the order of their
    // deadlines, so this one (set first, 1 ms sooner) marks that moment however slow the machine is.
    let replyDue = false;
    const due = setTimeout(() => { replyDue = true; }, 1999);
    const inFlight = card.transmit(READ_16);
    setTimeout(() => device.removeCard(0), 30);
    await expect(inFlight).rejects.toBeInstanceOf(CardRemovedError);
    expect(replyDue).toBe(false);
    clearTimeout(due);
    await expect(card.transmit(READ_16)).rejects.toBeInstanceOf(CardRemovedError);
    device.insertCard(new TestApplet(ATRS.yubikey5));
    await new Promise((r) => setTimeout(r, 20));
    // The notice queued before connect() is about the card we then powered: no event for it.
    expect(events).toEqual([{ slot: 0, kind: 'removed' }, { slot: 0, kind: 'inserted' }]);
    await reader.close();
  });

  it('readers without an interrupt endpoint are polled with GetSlotStatus', async () => {
    const { device, reader, card } = await open(pick(0x20000, false), 2000);
    const events: SlotEvent[] = [];
    reader.watch((e) => events.push(e));
    await new Promise((r) => setTimeout(r, 60));
    device.removeCard(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(events).toContainEqual({ slot: 0, kind: 'removed' });
    await expect(card.transmit(READ_16)).rejects.toBeInstanceOf(CardRemovedError);
    device.insertCard(new TestApplet(ATRS.yubikey5));
    await new Promise((r) => setTimeout(r, 100));
    expect(events.at(-1)).toEqual({ slot: 0, kind: 'inserted' });
    await reader.close();
  });

  it('a removed and reinserted card (seen only by the next command) is CardRemoved, not a wrong answer', async () => {
    const { device, card } = await open(pick(0x40000, true));
    device.removeCard(0);
    device.insertCard(new TestApplet(ATRS.yubikey5));
    await expect(card.transmit(READ_16)).rejects.toBeInstanceOf(CardRemovedError);
  });

  it('an empty slot gives NoCardError', async () => {
    const device = new VirtualReader(pick(0x10000, true));
    const [reader] = await CcidReader.open(device);
    await expect(reader!.connect(0)).rejects.toBeInstanceOf(NoCardError);
    expect(await reader!.slotStatus(0)).toBe('absent');
  });
});

describe('ICCD version B tokens (control transfers only)', () => {
  const iccd = profiles.find((p) => p.interfaces[0]!.interfaceProtocol === 2 && p.interfaces[0]!.numEndpoints === 0)!;

  it('polls through "time extension" (bResponseType 80h), then removal is CardRemoved', async () => {
    const { device, reader, card } = await open(iccd);
    expect(reader.level).toBe('extended-apdu'); // forced from short, as libccid does
    device.faults.push({ kind: 'time-extension', count: 2 });
    expect(hex(await card.transmit(READ_16))).toBe(expected16);
    expect((await card.transmit(READ_2K)).length).toBe(2050);
    device.faults.push({ kind: 'remove' });
    await expect(card.transmit(READ_16)).rejects.toBeInstanceOf(CardRemovedError);
    expect(await reader.slotStatus(0)).toBe('absent');
  });
});

describe('protocol negotiation on TPDU readers', () => {
  it('the host runs PPS to T=1 when the reader does not (no AUTO_PPS bits), then negotiates IFSD', async () => {
    const profile = profiles.find((p) => p.interfaces.length === 1 && p.interfaces[0]!.numEndpoints >= 2
      && (p.interfaces[0]!.descriptor.dwFeatures & 0x704c0) === 0x10000 && (p.interfaces[0]!.descriptor.dwProtocols & 3) === 3)!;
    const device = new VirtualReader(profile);
    const sim = device.insertCard(new TestApplet(ATRS.idOnePiv));
    expect(sim.protocol).toBe(0); // the card starts in T=0, its first offered protocol
    const [reader] = await CcidReader.open(device);
    const card = await reader!.connect(0);
    expect(card.protocol).toBe(1);
    expect(sim.protocol).toBe(1);
    const params = await card.getParameters();
    expect([params.protocol, params.data[0]]).toEqual([1, 0x96]); // T=1 at TA1's speed
    expect(hex(await card.transmit(READ_16))).toBe(expected16);
  });
});

describe('reader-level commands and several readers', () => {
  it('Escape unsupported by the firmware is a typed slot error; Abort and GetParameters work', async () => {
    const { card } = await open(pick(0x10000, true));
    await expect(card.escape(Uint8Array.of(1, 2, 3))).rejects.toBeInstanceOf(CcidSlotError);
    const params = await card.getParameters();
    expect(params.protocol).toBe(1);
    expect(params.data[5]).toBe(254); // bIFSC from the ATR
    await card.abort();
    expect(hex(await card.transmit(READ_16))).toBe(expected16);
  });

  it('a reader held by another program (pcscd) is reported in plain words', async () => {
    const device = new VirtualReader(pick(0x10000, true), { claimError: 'LIBUSB_ERROR_BUSY: Resource busy' });
    const err = await CcidReader.open(device).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReaderBusyError);
    expect((err as Error).message).toMatch(/pcscd/);
  });

  it('drives several readers and a multi-slot reader concurrently', async () => {
    const multi = profiles.find((p) => p.interfaces[0]!.descriptor.bMaxSlotIndex >= 2 && p.interfaces[0]!.numEndpoints >= 2
      && (p.interfaces[0]!.descriptor.dwFeatures & 0x70000) !== 0)!;
    const devices = [new VirtualReader(multi), new VirtualReader(pick(0x10000, true)), new VirtualReader(pick(0x40000, true))];
    const cards = [];
    for (const d of devices) {
      for (let s = 0; s < d.slotCount(0); s++) d.insertCard(new TestApplet(s % 2 ? ATRS.idOnePiv : ATRS.yubikey5), s);
      const [reader] = await CcidReader.open(d);
      for (let s = 0; s < reader!.slotCount; s++) cards.push(await reader!.connect(s));
    }
    expect(cards.length).toBeGreaterThanOrEqual(5);
    const answers = await Promise.all(cards.flatMap((c) => [c.transmit(READ_2K), c.transmit(READ_16)]));
    answers.forEach((a, i) => expect(a.length).toBe(i % 2 ? 18 : 2050));
  });
});
