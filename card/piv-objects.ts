// PIV data model: application id, key references, algorithm ids and data object ids
// (SP 800-73-4 Part 1 §3.1, Table 3 and §5.1; SP 800-78-4 Table 6-2), plus the YubiKey
// additions (Ed25519 E0 on firmware 5.7+).
import { CardInputError } from './errors.ts';
import type { KeyAlgorithm } from './key-algorithm.ts';

/** The full PIV AID; clients may select with the 5-byte RID-prefix A0 00 00 03 08. */
export const PIV_AID = Uint8Array.of(0xa0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00);

export type PivSlot = number;
export const SLOT_AUTHENTICATION = 0x9a;
export const SLOT_SIGNATURE = 0x9c;
export const SLOT_KEY_MANAGEMENT = 0x9d;
export const SLOT_CARD_AUTHENTICATION = 0x9e;
export const RETIRED_SLOTS: readonly number[] = Array.from({ length: 20 }, (_, i) => 0x82 + i);
export const MAIN_SLOTS: readonly number[] = [0x9a, 0x9c, 0x9d, 0x9e];

/** Key reference of the PIV Card Application PIN and PUK (Part 2 §3.2.1). */
export const PIN_REFERENCE = 0x80;
export const PUK_REFERENCE = 0x81;

/** Data object ids (Part 1 Table 3). */
export const OBJ_DISCOVERY = 0x7e;
export const OBJ_CHUID = 0x5fc102;
export const OBJ_CCC = 0x5fc107;
export const OBJ_KEY_HISTORY = 0x5fc10c;

/** The certificate container of a key slot (Part 1 Table 3). */
export function certificateObject(slot: PivSlot): number {
  switch (slot) {
    case 0x9a: return 0x5fc105;
    case 0x9c: return 0x5fc10a;
    case 0x9d: return 0x5fc10b;
    case 0x9e: return 0x5fc101;
    default:
      if (slot >= 0x82 && slot <= 0x95) return 0x5fc10d + (slot - 0x82);
      throw new CardInputError(`0x${slot.toString(16)} is not a PIV key slot`);
  }
}

export function slotName(slot: PivSlot): string {
  switch (slot) {
    case 0x9a: return 'PIV Authentication';
    case 0x9c: return 'Digital Signature';
    case 0x9d: return 'Key Management';
    case 0x9e: return 'Card Authentication';
    default: return `Retired Key Management ${slot - 0x81}`;
  }
}

/** Cryptographic mechanism identifiers (SP 800-78-4 Table 6-2; YubiKey E0). */
export const PIV_ALGORITHM: Record<KeyAlgorithm, number> = {
  'rsa-1024': 0x06, 'rsa-2048': 0x07, 'rsa-3072': 0x05, 'rsa-4096': 0x16,
  'p-256': 0x11, 'p-384': 0x14, 'ed25519': 0xe0,
};

export function algorithmFromId(id: number): KeyAlgorithm | undefined {
  for (const [k, v] of Object.entries(PIV_ALGORITHM)) if (v === id) return k as KeyAlgorithm;
  return undefined;
}
