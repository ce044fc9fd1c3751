// OpenPGP card 3.4, DO C4 "PW Status Bytes" (GET DATA 00 CA 00 C4, also inside DO 6E/73):
// byte 1 PW1 valid for one PSO:CDS (00) or several (01); bytes 2-4 the maximum lengths of
// PW1, RC and PW3 (bit 8 of byte 2: PIN block 2 format); bytes 5-7 the retry counters of
// PW1, RC and PW3. Cards disagree on VERIFY's status words (§7.2.2: 63 Cx, 69 82, 6A 80),
// so GnuPG (app-openpgp.c), yubikit and OpenSC read the counters here.
import { MalformedResponseError } from './errors.ts';

export interface PwStatus {
  /** PW1 (81) stays valid for several PSO:CDS commands. */
  readonly pw1ValidForSeveralSignatures: boolean;
  readonly pw1MaxLength: number;
  readonly rcMaxLength: number;
  readonly pw3MaxLength: number;
  /** Attempts left before PW1 blocks; 0 means blocked. */
  readonly pw1RetriesLeft: number;
  readonly rcRetriesLeft: number;
  readonly pw3RetriesLeft: number;
}

export function parsePwStatus(bytes: Uint8Array): PwStatus {
  if (bytes.length < 7) throw new MalformedResponseError(`The OpenPGP PW status bytes are ${bytes.length} bytes, expected 7`);
  return {
    pw1ValidForSeveralSignatures: bytes[0] === 0x01,
    pw1MaxLength: bytes[1]! & 0x7f,
    rcMaxLength: bytes[2]!,
    pw3MaxLength: bytes[3]!,
    pw1RetriesLeft: bytes[4]!,
    rcRetriesLeft: bytes[5]!,
    pw3RetriesLeft: bytes[6]!,
  };
}
