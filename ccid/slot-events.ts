/**
 * Card insertion and removal: RDR_to_PC_NotifySlotChange on the interrupt endpoint
 * (CCID 1.1 §6.3.1), or GetSlotStatus polling on readers without one (libccid does the same).
 */
import { CcidProtocolError } from './errors.ts';

export type SlotEvent = { readonly slot: number; readonly kind: 'inserted' | 'removed' };

export interface InterruptMessage {
  readonly kind: 'slot-change' | 'hardware-error';
  /** For slot-change: each reported slot's presence and whether it changed. */
  readonly slots: readonly { readonly present: boolean; readonly changed: boolean }[];
  /** For hardware-error: bSlot, bSeq, bHardwareErrorCode (§6.3.2). */
  readonly hardwareError?: { readonly slot: number; readonly seq: number; readonly code: number };
}

/** §6.3.1: bMessageType 50, then bmSlotICCState, two bits per slot (present, changed). */
export function parseInterrupt(bytes: Uint8Array, slotCount: number): InterruptMessage {
  if (bytes.length === 0) throw new CcidProtocolError('The reader sent an empty interrupt message.');
  if (bytes[0] === 0x50) {
    const need = 1 + Math.ceil((slotCount * 2) / 8);
    if (bytes.length < need) throw new CcidProtocolError(`A NotifySlotChange for ${slotCount} slot(s) needs ${need} bytes; got ${bytes.length}.`);
    const slots = [];
    for (let s = 0; s < slotCount; s++) {
      const bits = (bytes[1 + (s >> 2)]! >> ((s & 3) * 2)) & 0x03;
      slots.push({ present: (bits & 1) !== 0, changed: (bits & 2) !== 0 });
    }
    return { kind: 'slot-change', slots };
  }
  if (bytes[0] === 0x51) {
    if (bytes.length < 4) throw new CcidProtocolError('A HardwareError interrupt message needs 4 bytes.');
    return { kind: 'hardware-error', slots: [], hardwareError: { slot: bytes[1]!, seq: bytes[2]!, code: bytes[3]! } };
  }
  throw new CcidProtocolError(`The reader sent an unknown interrupt message 0x${bytes[0]!.toString(16)}.`);
}

/** Turns successive presence snapshots into events (a quick remove+insert counts as both). */
export function diffPresence(before: readonly boolean[], msg: InterruptMessage): SlotEvent[] {
  const events: SlotEvent[] = [];
  msg.slots.forEach((s, slot) => {
    const was = before[slot] ?? false;
    if (s.changed && was && s.present) {
      events.push({ slot, kind: 'removed' }, { slot, kind: 'inserted' });
    } else if (was !== s.present) {
      events.push({ slot, kind: s.present ? 'inserted' : 'removed' });
    }
  });
  return events;
}
