/**
 * A small ISO/IEC 7816-4 test application for the virtual reader's card:
 *   00 A4 04 00 Lc AID        SELECT by AID (TEST_AID answers 9000, others 6A82)
 *   80 10 00 00 Lc data [Le]  ECHO: returns the command data
 *   80 20 P1 P2 [Le]          READ N: returns N = P1P2 bytes of (i * 7 + 3) & 0xFF
 *   80 30 00 00 20            EXACT: 32 bytes if Le is exactly 20, else 6C20
 *   80 40 P1 P2 Lc data Le    SIGN: returns the data reversed, cut or zero-padded to P1P2 bytes
 *                             when P1P2 is not 0 (GENERAL AUTHENTICATE-sized answers)
 * Command chaining (CLA bit 0x10, ISO 7816-4 §5.3.3) joins the data of chained commands.
 * Unknown instructions answer 6D00, unknown classes 6E00 (ISO 7816-4 §5.6).
 */
import type { ApduHandler } from './card.ts';
import { concat } from './bytes.ts';
import { expectedLength, sw } from './card.ts';

export const TEST_AID = Uint8Array.of(0xa0, 0x00, 0x00, 0x05, 0x27, 0x54, 0x45, 0x53, 0x54);

/** Real ATRs, checked with pcsc-tools' ATR_analysis. */
export const ATRS = {
  /** YubiKey 5 (T=1, IFSC 254, TA1 13 → needs PPS at TPDU level unless the reader does it). */
  yubikey5: '3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 40',
  /** Schlumberger Multiflex 3k: T=0 only, default speed, no interface bytes. */
  t0: '3B 02 14 50',
  /** Gemalto IDPrime MD: T=0 only, TA1 96 (Fi 512, Di 32). */
  dual: '3B 7F 96 00 00 80 31 80 65 B0 84 41 3D F6 12 0F FE 82 90 00',
  /** Oberthur ID-One PIV: offers T=0 first, then T=1 (IFSC 254): T=1 needs a PPS. */
  idOnePiv: '3B DB 96 00 80 B1 FE 45 1F 83 00 31 C0 64 B0 FC 10 00 0F 90 00 0D',
  /** HID iClass SE processor: TA2 81, specific mode T=1, unable to change. */
  specificT1: '3B 90 96 91 81 B1 FE 55 1F C7 D4',
} as const;

export function hexBytes(text: string): Uint8Array {
  const clean = text.replace(/\s/g, '');
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
}

/** Byte i of the READ N pattern: lets a test check every byte of a long answer. */
export function patternByte(i: number): number {
  return (i * 7 + 3) & 0xff;
}

export class TestApplet implements ApduHandler {
  readonly atr: Uint8Array;
  selected = false;
  /** Commands seen, for tests that check what reached the card. */
  readonly log: Uint8Array[] = [];

  constructor(atr: Uint8Array | string = ATRS.yubikey5) {
    this.atr = typeof atr === 'string' ? hexBytes(atr) : atr.slice();
  }

  private chained: Uint8Array[] = [];

  reset(): void {
    this.chained = [];
  }

  handle(apdu: Uint8Array): Uint8Array {
    this.log.push(apdu.slice());
    const [rawCla = 0, ins = 0, p1 = 0, p2 = 0] = apdu;
    let data = commandData(apdu);
    if (rawCla & 0x10 && (rawCla & 0x80) === 0x80) {
      this.chained.push(data);
      return sw(0x9000);
    }
    const cla = rawCla;
    if (this.chained.length > 0) {
      data = concat(...this.chained, data);
      this.chained = [];
    }
    if (cla === 0x00 && ins === 0xa4) {
      if (p1 !== 0x04) return sw(0x6a86);
      const match = data.length === TEST_AID.length && data.every((b, i) => b === TEST_AID[i]);
      this.selected = match;
      return match ? concat(Uint8Array.of(0x6f, 0x03, 0x84, 0x01, 0x01), sw(0x9000)) : sw(0x6a82);
    }
    if ((cla & 0xfc) !== 0x80) return sw(0x6e00);
    switch (ins) {
      case 0x10:
        return concat(data, sw(0x9000));
      case 0x20: {
        const n = (p1 << 8) | p2;
        return concat(Uint8Array.from({ length: n }, (_, i) => patternByte(i)), sw(0x9000));
      }
      case 0x30:
        return expectedLength(apdu) === 0x20 ? concat(new Uint8Array(32).fill(0x33), sw(0x9000)) : sw(0x6c20);
      case 0x40: {
        const n = (p1 << 8) | p2;
        const reversed = data.slice().reverse();
        const out = n === 0 ? reversed : Uint8Array.from({ length: n }, (_, i) => reversed[i] ?? 0);
        return concat(out, sw(0x9000));
      }
      default:
        return sw(0x6d00);
    }
  }
}

/** The command data field of a short or extended APDU (empty when none). */
export function commandData(apdu: Uint8Array): Uint8Array {
  const body = apdu.length - 4;
  if (body <= 1) return new Uint8Array(0);
  if (apdu[4] !== 0) {
    const lc = apdu[4]!;
    return body >= 1 + lc ? apdu.slice(5, 5 + lc) : new Uint8Array(0);
  }
  if (body <= 3) return new Uint8Array(0);
  const lc = (apdu[5]! << 8) | apdu[6]!;
  return apdu.slice(7, 7 + lc);
}
