// Slot events against the virtual reader (review 9, findings 5 and 6): a card pulled out after connect() but before
// watch() starts is reported once monitoring begins, and a card swapped faster than the reader reports it (one poll
// period, or one NotifySlotChange with "present, changed") is reported as removed then inserted, because the new
// card is present but not powered (bmICCStatus 1, CCID 1.1 §6.2.6) while the reader still holds the old one powered.
import { describe, expect, it } from 'vitest';
import { CardRemovedError, CcidReader } from '../../ccid/index.ts';
import type { SlotEvent } from '../../ccid/index.ts';
import { ATRS, TestApplet, VirtualReader, loadProfiles } from '../../sim/index.ts';
import type { ReaderProfile } from '../../sim/index.ts';

const { profiles } = loadProfiles();
const READ_16 = Uint8Array.of(0x80, 0x20, 0x00, 0x10, 0x10);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A single-slot, short-APDU reader with (or without) an interrupt endpoint. */
function pick(interrupt: boolean): ReaderProfile {
  const p = profiles.find((x) => x.interfaces.length === 1 && (x.interfaces[0]!.descriptor.dwFeatures & 0x70000) === 0x20000
    && (x.interfaces[0]!.numEndpoints === 3) === interrupt && x.interfaces[0]!.numEndpoints >= 2
    && x.interfaces[0]!.descriptor.bMaxSlotIndex === 0);
  if (!p) throw new Error(`no single-slot short-APDU profile with interrupt=${interrupt}`);
  return p;
}

async function connected(interrupt: boolean) {
  const device = new VirtualReader(pick(interrupt));
  device.insertCard(new TestApplet(ATRS.yubikey5));
  const [reader] = await CcidReader.open(device, { timeoutMs: 500, pollMs: 20 });
  const card = await reader!.connect(0);
  const events: SlotEvent[] = [];
  return { device, reader: reader!, card, events, watch: () => reader!.watch((e) => events.push(e)) };
}

describe.each([['polled (GetSlotStatus)', false], ['interrupt (NotifySlotChange)', true]] as const)('slot events, %s reader', (_name, interrupt) => {
  it('a card pulled out after connect() and before watch() is reported when watching starts', async () => {
    const { device, reader, card, events, watch } = await connected(interrupt);
    expect(await card.transmit(READ_16)).toHaveLength(18); // the last command before the pull (the signature)
    device.removeCard(0);
    watch();
    await sleep(150);
    expect(events).toEqual([{ slot: 0, kind: 'removed' }]);
    expect(card.isRemoved).toBe(true);
    await reader.close();
  });

  it('a card already in the slot when watching starts gives no event (a notice queued before connect() is checked)', async () => {
    const { reader, card, events, watch } = await connected(interrupt);
    watch();
    await sleep(150);
    expect(events).toEqual([]);
    expect(await card.transmit(READ_16)).toHaveLength(18);
    await reader.close();
  });

  it('a card swapped for another faster than the reader reports it: removed, then inserted', async () => {
    const { device, reader, card, events, watch } = await connected(interrupt);
    watch();
    await sleep(100);
    // One step: the slot never reads empty (a polled reader between two polls, or one coalesced notice).
    device.insertCard(new TestApplet(ATRS.yubikey5));
    await sleep(150);
    expect(events).toEqual([{ slot: 0, kind: 'removed' }, { slot: 0, kind: 'inserted' }]);
    await expect(card.transmit(READ_16)).rejects.toBeInstanceOf(CardRemovedError);
    const next = await reader.connect(0);
    expect(await next.transmit(READ_16)).toHaveLength(18);
    await sleep(100);
    expect(events).toHaveLength(2);
    await reader.close();
  });

  it('a card the host powered off itself (disconnect) is not taken for a swap', async () => {
    const { reader, card, events, watch } = await connected(interrupt);
    watch();
    await sleep(60);
    await card.disconnect();
    await sleep(150);
    expect(events).toEqual([]);
    await reader.close();
  });
});
