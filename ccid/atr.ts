/**
 * Answer-to-Reset parser, ISO/IEC 7816-3:2006 §8.2: TS, T0, the TA/TB/TC/TD chains,
 * historical bytes and TCK. Gives the parameters the driver needs (protocols, Fi/Di,
 * IFSC, BWI/CWI, specific mode) and throws AtrError on a malformed ATR.
 */
import { AtrError } from './errors.ts';

/** ISO/IEC 7816-3 §8.3 table 7: Fi and f(max) by the high nibble of TA1. */
export const FI_TABLE: readonly (number | undefined)[] = [372, 372, 558, 744, 1116, 1488, 1860, undefined, undefined, 512, 768, 1024, 1536, 2048, undefined, undefined];
export const FMAX_MHZ: readonly (number | undefined)[] = [4, 5, 6, 8, 12, 16, 20, undefined, undefined, 5, 7.5, 10, 15, 20, undefined, undefined];
/** ISO/IEC 7816-3 §8.3 table 8: Di by the low nibble of TA1. */
export const DI_TABLE: readonly (number | undefined)[] = [undefined, 1, 2, 4, 8, 16, 32, 64, 12, 20, undefined, undefined, undefined, undefined, undefined, undefined];

/** One group of interface bytes: TA(i), TB(i), TC(i), TD(i) (i from 1). */
export interface InterfaceGroup {
  readonly ta?: number;
  readonly tb?: number;
  readonly tc?: number;
  readonly td?: number;
  /** The protocol T announced by the TD that introduced this group (T=0 for group 1). */
  readonly protocol: number;
}

export interface Atr {
  readonly bytes: Uint8Array;
  readonly convention: 'direct' | 'inverse';
  readonly groups: readonly InterfaceGroup[];
  readonly historical: Uint8Array;
  readonly tck?: number;
  /** Protocols offered, in ATR order, without duplicates or T=15 (T=0 when none). */
  readonly protocols: readonly number[];
  /** The protocol used without PPS: the specific one (TA2) or the first offered. */
  readonly defaultProtocol: number;
  /** TA2: the card is in specific mode with this protocol. */
  readonly specificMode?: { readonly protocol: number; readonly canChange: boolean; readonly implicit: boolean };
  /** TA1 (0x11 when absent): FI in the high nibble, DI in the low one. */
  readonly ta1: number;
  readonly fi: number | undefined;
  readonly di: number | undefined;
  /** TC1: extra guard time N (0 when absent). */
  readonly extraGuardTime: number;
  /** T=0 waiting integer WI (TC2, default 10). */
  readonly wi: number;
  /** T=1 parameters from the first TA/TB/TC after a TD announcing T=1 (§11.4). */
  readonly t1: { readonly ifsc: number; readonly bwi: number; readonly cwi: number; readonly crc: boolean };
}

const MAX_ATR_LENGTH = 33;

export function parseAtr(input: Uint8Array): Atr {
  const bytes = input.slice();
  if (bytes.length < 2) throw new AtrError('ATR_TRUNCATED', 'The ATR is too short: it needs at least TS and T0.');
  if (bytes.length > MAX_ATR_LENGTH) throw new AtrError('ATR_TOO_LONG', `The ATR is ${bytes.length} bytes; ISO 7816-3 allows 33 at most.`);
  const ts = bytes[0]!;
  if (ts !== 0x3b && ts !== 0x3f) throw new AtrError('ATR_BAD_TS', `TS is 0x${hex(ts)}; it must be 3B (direct) or 3F (inverse convention).`);
  let pos = 1;
  const need = (what: string): number => {
    const b = bytes[pos];
    if (b === undefined) throw new AtrError('ATR_TRUNCATED', `The ATR ends before ${what}.`);
    pos++;
    return b;
  };
  const t0 = need('T0');
  const k = t0 & 0x0f;
  const groups: InterfaceGroup[] = [];
  let y = t0 >> 4;
  let protocol = 0;
  const offered: number[] = [];
  let needTck = false;
  for (let i = 1; ; i++) {
    const g: { ta?: number; tb?: number; tc?: number; td?: number; protocol: number } = { protocol };
    if (y & 0x1) g.ta = need(`TA${i}`);
    if (y & 0x2) g.tb = need(`TB${i}`);
    if (y & 0x4) g.tc = need(`TC${i}`);
    if (y & 0x8) g.td = need(`TD${i}`);
    groups.push(g);
    if (g.td === undefined) break;
    protocol = g.td & 0x0f;
    // T=15 introduces global bytes, it is not a transmission protocol (§8.2.3).
    if (protocol !== 15 && !offered.includes(protocol)) offered.push(protocol);
    // §8.2.5: TCK is present when any protocol other than T=0 is indicated.
    if (protocol !== 0) needTck = true;
    y = g.td >> 4;
  }
  if (bytes.length < pos + k) throw new AtrError('ATR_TRUNCATED', `The ATR announces ${k} historical bytes but holds only ${bytes.length - pos}.`);
  const historical = bytes.slice(pos, pos + k);
  pos += k;
  let tck: number | undefined;
  if (needTck) {
    if (pos >= bytes.length) throw new AtrError('ATR_MISSING_TCK', 'The ATR lacks its TCK check byte (required when a protocol other than T=0 is offered).');
    tck = bytes[pos]!;
    let x = 0;
    for (let j = 1; j <= pos; j++) x ^= bytes[j]!;
    if (x !== 0) throw new AtrError('ATR_BAD_TCK', `The ATR check byte TCK is wrong (XOR of T0..TCK is 0x${hex(x)}, not 00).`);
    pos++;
  }
  if (pos !== bytes.length) throw new AtrError('ATR_TOO_LONG', `The ATR has ${bytes.length - pos} unexpected trailing byte(s).`);

  const protocols = offered.length === 0 ? [0] : offered;
  const g1 = groups[0]!;
  const g2 = groups[1];
  const ta1 = g1.ta ?? 0x11;
  let specificMode: Atr['specificMode'];
  if (g2?.ta !== undefined) {
    specificMode = { protocol: g2.ta & 0x0f, canChange: (g2.ta & 0x80) === 0, implicit: (g2.ta & 0x10) !== 0 };
  }
  // T=1 specifics: the groups introduced by a TD announcing T=1, from group 3 on (§11.4).
  const t1Group = groups.find((g, idx) => idx >= 2 && g.protocol === 1);
  const t1 = {
    ifsc: t1Group?.ta ?? 32,
    bwi: t1Group?.tb !== undefined ? t1Group.tb >> 4 : 4,
    cwi: t1Group?.tb !== undefined ? t1Group.tb & 0x0f : 13,
    crc: t1Group?.tc !== undefined ? (t1Group.tc & 0x01) === 1 : false,
  };
  const result: Atr = {
    bytes,
    convention: ts === 0x3b ? 'direct' : 'inverse',
    groups,
    historical,
    protocols,
    defaultProtocol: specificMode?.protocol ?? protocols[0]!,
    ta1,
    fi: FI_TABLE[ta1 >> 4],
    di: DI_TABLE[ta1 & 0x0f],
    extraGuardTime: g1.tc ?? 0,
    wi: g2?.tc ?? 10,
    t1,
    ...(tck !== undefined ? { tck } : {}),
    ...(specificMode ? { specificMode } : {}),
  };
  return result;
}

export function hex(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}

/** "3B FD 13 ..." or "3bfd13..." → bytes; throws RangeError on anything else. */
export function parseHex(text: string): Uint8Array {
  const clean = text.replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) throw new RangeError(`'${text}' is not an even-length hexadecimal string.`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}
