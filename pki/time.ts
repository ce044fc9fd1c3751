/**
 * Time values read from their DER, not through asn1js, which turns a malformed UTCTime into 1899-11-30 and reads a
 * GeneralizedTime without "Z" as local time (review 9, finding 7). RFC 5280 §4.1.2.5.1: UTCTime is YYMMDDHHMMSSZ,
 * YY < 50 meaning 20YY; §4.1.2.5.2: GeneralizedTime is YYYYMMDDHHMMSSZ, no fraction. CRLs use the same (§5.1.2.4-6).
 */
import type { Tlv } from './der.ts';
import { PkiParseError } from './errors.ts';

const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;

function invalidTime(what: string): never {
  throw new PkiParseError('MALFORMED_DER', `${what} is not a valid UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ).`);
}

/**
 * The instant of a UTCTime or GeneralizedTime TLV; anything else throws PkiParseError naming `what`.
 * `fraction`: GeneralizedTime may carry fractional seconds (DER, X.690 §11.7; OCSP responders send them).
 */
export function decodeTime(buf: Uint8Array, t: Tlv | undefined, what: string, fraction = false): Date {
  // No closure here: this runs once per CRL entry.
  if (!t || t.end - t.contentStart > 40) return invalidTime(what);
  let text = '';
  for (let i = t.contentStart; i < t.end; i++) text += String.fromCharCode(buf[i] as number);
  let m: RegExpExecArray | null;
  let year: number;
  let ms = 0;
  if (t.tag === UTC_TIME && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    const yy = Number(m[1]);
    year = yy < 50 ? 2000 + yy : 1900 + yy;
  } else if (t.tag === GENERALIZED_TIME && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d*[1-9]))?Z$/.exec(text)) && (fraction || m[7] === undefined)) {
    year = Number(m[1]);
    if (m[7] !== undefined) ms = Math.floor(Number(`0.${m[7]}`) * 1000);
  } else {
    return invalidTime(what);
  }
  const [month, day, hour, minute, second] = [2, 3, 4, 5, 6].map((i) => Number(m[i])) as [number, number, number, number, number];
  const d = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  // Date.UTC rolls over (Feb 30 -> Mar 2; years 0-99 -> 19xx): the fields must read back unchanged.
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day || d.getUTCHours() !== hour
    || d.getUTCMinutes() !== minute || d.getUTCSeconds() !== second) return invalidTime(what);
  return d;
}
