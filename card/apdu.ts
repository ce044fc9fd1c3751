// Command and response APDUs: ISO/IEC 7816-4 §5.1 (cases 1-4, short and extended).
import { CardInputError, MalformedResponseError } from './errors.ts';

export interface CommandApdu {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  readonly data?: Uint8Array;
  /** Ne, the number of response bytes expected: absent for none, 256 (short) or 65536 (extended) for "all". */
  readonly le?: number;
}

export interface ResponseApdu {
  readonly data: Uint8Array;
  readonly sw: number;
}

export const SW_OK = 0x9000;
/** Short APDUs carry at most 255 bytes of data and expect at most 256 (§5.1). */
export const SHORT_MAX_DATA = 255;
export const SHORT_MAX_LE = 256;
export const EXTENDED_MAX_DATA = 65535;
export const EXTENDED_MAX_LE = 65536;

function checkByte(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new CardInputError(`APDU ${name} must be a byte, got ${v}`);
}

/** Encodes one APDU; `extended` selects the 3-byte length form of §5.1 when needed. */
export function encodeApdu(cmd: CommandApdu, extended: boolean): Uint8Array {
  checkByte('CLA', cmd.cla); checkByte('INS', cmd.ins); checkByte('P1', cmd.p1); checkByte('P2', cmd.p2);
  const nc = cmd.data?.length ?? 0;
  const ne = cmd.le;
  if (ne !== undefined && (!Number.isInteger(ne) || ne < 1 || ne > EXTENDED_MAX_LE)) throw new CardInputError(`APDU Le must be 1..65536, got ${ne}`);
  const useExtended = nc > SHORT_MAX_DATA || (ne !== undefined && ne > SHORT_MAX_LE);
  if (useExtended && !extended) throw new CardInputError('This APDU needs extended length, which the card or reader does not support');
  if (nc > EXTENDED_MAX_DATA) throw new CardInputError(`APDU data is too long (${nc} bytes)`);
  // Written straight into the result, so a PIN in the data has one copy here (CardChannel zeroes it).
  const lc = nc === 0 ? 0 : useExtended ? 3 : 1;
  const le = ne === undefined ? 0 : !useExtended ? 1 : nc > 0 ? 2 : 3;
  const out = new Uint8Array(4 + lc + nc + le);
  out.set([cmd.cla, cmd.ins, cmd.p1, cmd.p2]);
  let pos = 4;
  if (!useExtended) {
    if (nc > 0) out[pos++] = nc;
  } else {
    // Extended: one leading 00, then Lc as two bytes; Le as two bytes (three when no Lc).
    out[pos++] = 0;
    if (nc > 0) { out[pos++] = nc >> 8; out[pos++] = nc & 0xff; }
  }
  if (nc > 0) out.set(cmd.data!, pos);
  pos += nc;
  if (ne !== undefined) {
    if (!useExtended) out[pos] = ne === SHORT_MAX_LE ? 0 : ne;
    else {
      const v = ne === EXTENDED_MAX_LE ? 0 : ne;
      out[pos] = v >> 8;
      out[pos + 1] = v & 0xff;
    }
  }
  return out;
}

/** Splits a response into data and SW1 SW2. */
export function parseResponse(bytes: Uint8Array): ResponseApdu {
  if (bytes.length < 2) throw new MalformedResponseError(`The card answered ${bytes.length} byte(s); a response needs at least the two status bytes`);
  const sw = (bytes[bytes.length - 2]! << 8) | bytes[bytes.length - 1]!;
  return { data: bytes.subarray(0, bytes.length - 2), sw };
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
