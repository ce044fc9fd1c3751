/**
 * APDU over T=0 TPDUs, ISO/IEC 7816-3:2006 §12.2 (the reader handles the procedure bytes
 * ACK/NULL at TPDU level; the host sees SW1 SW2): case 2 uses P3 = Le, a 6Cxx asks for the
 * command again with P3 = xx, and a 61xx means xx more bytes wait for GET RESPONSE.
 */
import type { CommandApdu } from './apdu.ts';
import { getResponseApdu } from './apdu.ts';
import { ApduError } from './errors.ts';
import { concat } from './t1.ts';

export type Send = (tpdu: Uint8Array) => Promise<Uint8Array>;

/** Too many GET RESPONSE rounds means a broken card, not a long answer: 64 KiB / 1 byte. */
const MAX_ROUNDS = 1024;

export async function transmitT0(send: Send, apdu: CommandApdu, maxData: number): Promise<Uint8Array> {
  if (apdu.data.length > 255) {
    throw new ApduError('APDU_TOO_LONG', `T=0 carries at most 255 command data bytes per APDU; this command has ${apdu.data.length}. Use command chaining.`);
  }
  const maxLe = Math.max(1, Math.min(256, maxData - 2));
  if (apdu.data.length > 0 && 5 + apdu.data.length > maxData) {
    throw new ApduError('APDU_TOO_LONG', `This reader carries at most ${maxData - 5} command data bytes per T=0 TPDU; the command has ${apdu.data.length}.`);
  }
  // Cases 1 (P3 = 00) and 2 (P3 = Le, 00 meaning 256), §12.2.2/§12.2.3; cases 3 and 4 send
  // P3 = Lc and no Le byte (§12.2.4, §12.2.5).
  const tpdu = new Uint8Array(5 + apdu.data.length);
  tpdu.set(apdu.header);
  tpdu[4] = apdu.data.length > 0 ? apdu.data.length : apdu.hasLe ? Math.min(apdu.ne, maxLe) & 0xff : 0;
  tpdu.set(apdu.data, 5);
  let first: Uint8Array;
  try {
    first = await checked(send, tpdu);
  } finally {
    // The TPDU may carry a PIN (VERIFY): zero this copy once it has been sent.
    tpdu.fill(0);
  }
  // 6Cxx: wrong Le; resend the same header with P3 = xx (case 2 only).
  for (let n = 0; n < 3 && first[first.length - 2] === 0x6c && apdu.data.length === 0; n++) {
    const exact = first[first.length - 1]!;
    if (exact === 0 || exact > maxLe) break;
    first = await checked(send, Uint8Array.of(...apdu.header, exact));
  }
  return collectResponse(send, first, apdu.header[0]!, maxLe);
}

/** Follows 61xx with GET RESPONSE (and 6Cxx on it) until the card has sent everything. */
export async function collectResponse(send: Send, first: Uint8Array, cla: number, maxLe: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let current = first;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const sw1 = current[current.length - 2]!;
    const sw2 = current[current.length - 1]!;
    if (sw1 !== 0x61) {
      parts.push(current);
      return concat(parts);
    }
    parts.push(current.subarray(0, current.length - 2));
    let le = Math.min(sw2 === 0 ? 256 : sw2, maxLe);
    current = await checked(send, getResponseApdu(cla, le));
    if (current.length === 2 && current[0] === 0x6c && current[1] !== 0) {
      le = Math.min(current[1]!, maxLe);
      current = await checked(send, getResponseApdu(cla, le));
    }
  }
  throw new ApduError('APDU_RESPONSE', 'The card keeps announcing more response data (61xx); giving up.');
}

async function checked(send: Send, tpdu: Uint8Array): Promise<Uint8Array> {
  const r = await send(tpdu);
  if (r.length < 2) throw new ApduError('APDU_RESPONSE', `The card answered with ${r.length} byte(s); a response needs SW1 SW2.`);
  return r;
}
