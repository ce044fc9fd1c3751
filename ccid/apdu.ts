/**
 * Command APDU structure, ISO/IEC 7816-4:2020 §5.1: the four cases, short and extended
 * length fields. The driver needs it to map an APDU onto T=0 TPDUs and to fit reader limits.
 */
import { ApduError } from './errors.ts';

export interface CommandApdu {
  readonly header: Uint8Array;
  readonly data: Uint8Array;
  /** Ne: expected response length, 0 when absent (case 1/3). Up to 65536. */
  readonly ne: number;
  readonly hasLe: boolean;
  readonly extended: boolean;
}

/**
 * Header and data are views into `apdu`, not copies: the command may carry a PIN, and the
 * caller, who owns it, zeroes it after the exchange (card/channel.ts).
 */
export function parseCommandApdu(apdu: Uint8Array): CommandApdu {
  if (apdu.length < 4) throw new ApduError('APDU_MALFORMED', `A command APDU needs at least 4 bytes; got ${apdu.length}.`);
  const header = apdu.subarray(0, 4);
  const body = apdu.subarray(4);
  const none = new Uint8Array(0);
  if (body.length === 0) return { header, data: none, ne: 0, hasLe: false, extended: false };
  if (body.length === 1) return { header, data: none, ne: body[0] || 256, hasLe: true, extended: false };
  if (body[0] !== 0) {
    const lc = body[0]!;
    if (body.length === 1 + lc) return { header, data: body.subarray(1), ne: 0, hasLe: false, extended: false };
    if (body.length === 2 + lc) return { header, data: body.subarray(1, 1 + lc), ne: body[1 + lc] || 256, hasLe: true, extended: false };
    throw new ApduError('APDU_MALFORMED', `The APDU's Lc (${lc}) does not match its length.`);
  }
  // Extended: 00 then two bytes.
  if (body.length === 3) return { header, data: none, ne: ((body[1]! << 8) | body[2]!) || 65536, hasLe: true, extended: true };
  if (body.length < 3) throw new ApduError('APDU_MALFORMED', 'The APDU has a truncated extended length field.');
  const lc = (body[1]! << 8) | body[2]!;
  if (lc === 0) throw new ApduError('APDU_MALFORMED', 'An extended Lc of 0 is invalid.');
  if (body.length === 3 + lc) return { header, data: body.subarray(3), ne: 0, hasLe: false, extended: true };
  if (body.length === 5 + lc) {
    const le = (body[3 + lc]! << 8) | body[4 + lc]!;
    return { header, data: body.subarray(3, 3 + lc), ne: le || 65536, hasLe: true, extended: true };
  }
  throw new ApduError('APDU_MALFORMED', `The APDU's extended Lc (${lc}) does not match its length.`);
}

/** Builds a short APDU (Lc ≤ 255, Ne ≤ 256); throws APDU_TOO_LONG otherwise. */
export function encodeShortApdu(header: Uint8Array, data: Uint8Array, ne: number): Uint8Array {
  if (data.length > 255) throw new ApduError('APDU_TOO_LONG', `This reader path carries at most 255 command data bytes in one APDU; the command has ${data.length}. Use command chaining.`);
  // Written straight into the result (no intermediate array of the data), so the caller can zero it.
  const lc = data.length > 0 ? 1 : 0;
  const out = new Uint8Array(4 + lc + data.length + (ne > 0 ? 1 : 0));
  out.set(header.subarray(0, 4));
  if (lc) out[4] = data.length;
  out.set(data, 4 + lc);
  if (ne > 0) out[out.length - 1] = ne >= 256 ? 0 : ne;
  return out;
}

/** GET RESPONSE, ISO/IEC 7816-4 §11.5.3, on the command's logical channel. */
export function getResponseApdu(cla: number, le: number): Uint8Array {
  const channelCla = (cla & 0x80) === 0 && (cla & 0x40) === 0 ? cla & 0x03 : 0x00;
  return Uint8Array.of(channelCla, 0xc0, 0x00, 0x00, le & 0xff);
}
