/**
 * A human-readable ATR analysis in the manner of pcsc-tools' ATR_analysis (without its
 * card database): ISO/IEC 7816-3 §8 interface bytes, ISO/IEC 7816-4 §12.1 historical bytes.
 */
import type { Atr } from './atr.ts';
import { DI_TABLE, FI_TABLE, FMAX_MHZ, hex } from './atr.ts';

const hexs = (b: Uint8Array): string => Array.from(b, hex).join(' ');

function bits(n: number): string {
  return n.toString(2).padStart(4, '0');
}

function describeTa1(ta: number): string[] {
  const fi = FI_TABLE[ta >> 4];
  const di = DI_TABLE[ta & 0x0f];
  const fmax = FMAX_MHZ[ta >> 4];
  if (fi === undefined || di === undefined || fmax === undefined) return [`Fi/Di RFU (TA1 ${hex(ta)})`];
  const etu = fi / di;
  return [
    `Fi=${fi}, Di=${di}, ${Number.isInteger(etu) ? etu : etu.toFixed(3)} cycles/ETU`,
    `  ${Math.floor((4_000_000 * di) / fi)} bits/s at 4 MHz, fMax for Fi = ${fmax} MHz => ${Math.floor((fmax * 1_000_000 * di) / fi)} bits/s`,
  ];
}

/** Lines describing one interface byte, given its group index i (1-based) and protocol. */
function describeByte(kind: 'TA' | 'TB' | 'TC', i: number, value: number, protocol: number): string[] {
  if (i === 1) {
    if (kind === 'TA') return describeTa1(value);
    if (kind === 'TB') return [value === 0 ? 'VPP is not electrically connected' : `Programming Param P: ${value & 0x1f} Volts, I: ${(value >> 5) & 3} milli-Amperes`];
    return [`Extra guard time: ${value}${value === 255 ? ' (special value)' : ''}`];
  }
  if (i === 2) {
    if (kind === 'TA') {
      return [`Protocol to be used in spec mode: T=${value & 0x0f} - ${value & 0x80 ? 'Unable to change' : 'Capable to change'} - ${value & 0x10 ? 'implicitly defined' : 'defined by interface bytes'}`];
    }
    if (kind === 'TC') return [`Work waiting time: 960 x ${value} x (Fi/F)`];
    return [`Programming param PI2 (PI1 should be ignored): ${value}`];
  }
  if (protocol === 1) {
    if (kind === 'TA') return [`IFSC: ${value}`];
    if (kind === 'TB') return [`Block Waiting Integer: ${value >> 4} - Character Waiting Integer: ${value & 0x0f}`];
    return [`Error detection code: ${value & 1 ? 'CRC' : 'LRC'}`];
  }
  if (protocol === 15 && kind === 'TA') {
    const stop = ['not supported', 'state L', 'state H', 'no preference'][value >> 6]!;
    const classes = ['A 5V', 'B 3V', 'C 1.8V'].filter((_, k) => value & (1 << k));
    return [`Clock stop: ${stop} - Class accepted by the card: (3G) ${classes.join(' ')}`];
  }
  return [`${kind}(${i}) = ${hex(value)}`];
}

/** Compact-TLV historical bytes (ISO/IEC 7816-4 §12.1.1), category indicator 00 or 80. */
function describeHistorical(h: Uint8Array): string[] {
  if (h.length === 0) return [];
  const out = [`+ Historical bytes: ${hexs(h)}`];
  const cat = h[0]!;
  if (cat !== 0x00 && cat !== 0x80) {
    out.push(`  Category indicator byte: ${hex(cat)} (${cat === 0x10 ? 'DIR data reference' : 'proprietary format'})`);
    return out;
  }
  out.push(`  Category indicator byte: ${hex(cat)} (compact TLV data object)`);
  const end = cat === 0x00 ? h.length - 3 : h.length;
  const names: Record<number, string> = {
    1: 'country code, ISO 3166-1', 2: 'issuer identification number', 3: 'card service data byte', 4: 'initial access data',
    5: "card issuer's data", 6: 'pre-issuing data', 7: 'card capabilities', 8: 'status indicator', 15: 'application identifier',
  };
  let p = 1;
  while (p < end) {
    const tag = h[p]! >> 4;
    const len = h[p]! & 0x0f;
    const value = h.subarray(p + 1, p + 1 + len);
    out.push(`    Tag: ${tag}, len: ${len} (${names[tag] ?? 'unknown'})`);
    if (value.length < len) {
      out.push(`      Error in the ATR: expecting ${len} bytes and got ${value.length}`);
      break;
    }
    if (tag === 7 && len >= 3) {
      const third = value[2]!;
      out.push(`      Selection methods: ${hex(value[0]!)}`, `      Data coding byte: ${hex(value[1]!)}`, `      Command chaining, length fields and logical channels: ${hex(third)}`);
      if (third & 0x80) out.push('        - Command chaining');
      if (third & 0x40) out.push('        - Extended Lc and Le fields');
    } else if (tag === 8 && len === 2) {
      out.push(`      SW: ${hexs(value)}`);
    } else if (len > 0) {
      out.push(`      Data: ${hexs(value)}`);
    }
    p += 1 + len;
  }
  if (cat === 0x00 && h.length >= 4) {
    out.push('    Mandatory status indicator (3 last bytes)', `      LCS (life card cycle): ${hex(h[h.length - 3]!)}`, `      SW: ${hexs(h.subarray(h.length - 2))}`);
  }
  return out;
}

export function describeAtr(atr: Atr): string[] {
  const out = [`ATR: ${hexs(atr.bytes)}`];
  out.push(`+ TS = ${hex(atr.bytes[0]!)} --> ${atr.convention === 'direct' ? 'Direct' : 'Inverse'} Convention`);
  const t0 = atr.bytes[1]!;
  out.push(`+ T0 = ${hex(t0)}, Y(1): ${bits(t0 >> 4)}, K: ${t0 & 0x0f} (historical bytes)`);
  atr.groups.forEach((g, idx) => {
    const i = idx + 1;
    const protocol = g.protocol;
    for (const kind of ['TA', 'TB', 'TC'] as const) {
      const v = kind === 'TA' ? g.ta : kind === 'TB' ? g.tb : g.tc;
      if (v === undefined) continue;
      const [first, ...rest] = describeByte(kind, i, v, protocol);
      out.push(`  ${kind}(${i}) = ${hex(v)} --> ${first}`, ...rest.map((l) => `  ${l}`));
    }
    if (g.td !== undefined) {
      const t = g.td & 0x0f;
      out.push(`  TD(${i}) = ${hex(g.td)} --> Y(i+1) = ${bits(g.td >> 4)}, Protocol T = ${t}${t === 15 ? ' - Global interface bytes following' : ''}`, '-----');
    }
  });
  out.push(...describeHistorical(atr.historical));
  if (atr.tck !== undefined) out.push(`+ TCK = ${hex(atr.tck)} (correct checksum)`);
  out.push('', `Protocols offered: ${atr.protocols.map((t) => `T=${t}`).join(', ')}; default: T=${atr.defaultProtocol}${atr.specificMode ? ' (specific mode)' : ''}`);
  if (atr.protocols.includes(1)) out.push(`T=1: IFSC ${atr.t1.ifsc}, BWI ${atr.t1.bwi}, CWI ${atr.t1.cwi}, ${atr.t1.crc ? 'CRC' : 'LRC'}`);
  return out;
}
