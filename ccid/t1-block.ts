/**
 * T=1 blocks, ISO/IEC 7816-3:2006 §11.3: prologue (NAD, PCB, LEN), INF, epilogue (LRC or
 * CRC). PCB: I-block 0 N(S) M 00000; R-block 10 0 N(R) 00 ee; S-block 11 r 000 tt.
 */
import { T1Error } from './errors.ts';

export type SKind = 'resynch' | 'ifs' | 'abort' | 'wtx';
const S_KINDS: readonly SKind[] = ['resynch', 'ifs', 'abort', 'wtx'];

export type T1Block =
  | { readonly kind: 'I'; readonly ns: number; readonly more: boolean; readonly inf: Uint8Array }
  | { readonly kind: 'R'; readonly nr: number; readonly error: 0 | 1 | 2 }
  | { readonly kind: 'S'; readonly type: SKind; readonly response: boolean; readonly inf: Uint8Array };

export type Edc = 'lrc' | 'crc';

/** LRC: XOR of every byte (§11.3.3.1). */
export function lrc(bytes: Uint8Array): number {
  let x = 0;
  for (const b of bytes) x ^= b;
  return x;
}

/** CRC per ISO/IEC 13239 as used by T=1 (§11.3.3.2): polynomial 0x1021 reflected, init FFFF. */
export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  }
  return crc & 0xffff;
}

export function pcbOf(block: T1Block): number {
  switch (block.kind) {
    case 'I': return ((block.ns & 1) << 6) | (block.more ? 0x20 : 0);
    case 'R': return 0x80 | ((block.nr & 1) << 4) | block.error;
    case 'S': return 0xc0 | (block.response ? 0x20 : 0) | S_KINDS.indexOf(block.type);
  }
}

export function encodeBlock(block: T1Block, edc: Edc = 'lrc', nad = 0): Uint8Array {
  const inf = block.kind === 'R' ? new Uint8Array(0) : block.inf;
  if (inf.length > 254) throw new RangeError('A T=1 block carries at most 254 bytes of INF.');
  const edcLen = edc === 'crc' ? 2 : 1;
  const out = new Uint8Array(3 + inf.length + edcLen);
  out[0] = nad;
  out[1] = pcbOf(block);
  out[2] = inf.length;
  out.set(inf, 3);
  const body = out.subarray(0, 3 + inf.length);
  if (edc === 'crc') {
    const c = crc16(body);
    out[3 + inf.length] = c >> 8;
    out[4 + inf.length] = c & 0xff;
  } else {
    out[3 + inf.length] = lrc(body);
  }
  return out;
}

/** Decodes one block; throws T1Error('T1_BAD_BLOCK') on a bad length, EDC or PCB. */
export function decodeBlock(bytes: Uint8Array, edc: Edc = 'lrc'): T1Block {
  const edcLen = edc === 'crc' ? 2 : 1;
  if (bytes.length < 3 + edcLen) throw new T1Error('T1_BAD_BLOCK', `A ${bytes.length}-byte T=1 block is too short.`);
  const len = bytes[2]!;
  if (len === 0xff) throw new T1Error('T1_BAD_BLOCK', 'A T=1 block has the reserved length FF.');
  if (bytes.length !== 3 + len + edcLen) throw new T1Error('T1_BAD_BLOCK', `A T=1 block announces ${len} INF bytes but is ${bytes.length} bytes long.`);
  const body = bytes.subarray(0, 3 + len);
  const ok = edc === 'crc'
    ? crc16(body) === ((bytes[3 + len]! << 8) | bytes[4 + len]!)
    : lrc(body) === bytes[3 + len];
  if (!ok) throw new T1Error('T1_BAD_BLOCK', 'A T=1 block failed its error detection code.');
  const pcb = bytes[1]!;
  const inf = bytes.slice(3, 3 + len);
  if ((pcb & 0x80) === 0) {
    if (pcb & 0x1f) throw new T1Error('T1_BAD_BLOCK', `I-block PCB 0x${pcb.toString(16)} sets reserved bits.`);
    return { kind: 'I', ns: (pcb >> 6) & 1, more: (pcb & 0x20) !== 0, inf };
  }
  if ((pcb & 0xc0) === 0x80) {
    if (len !== 0 || (pcb & 0x2c) !== 0 || (pcb & 0x03) === 3) throw new T1Error('T1_BAD_BLOCK', `R-block PCB 0x${pcb.toString(16)} or length is invalid.`);
    return { kind: 'R', nr: (pcb >> 4) & 1, error: (pcb & 0x03) as 0 | 1 | 2 };
  }
  if ((pcb & 0x1c) !== 0) throw new T1Error('T1_BAD_BLOCK', `S-block PCB 0x${pcb.toString(16)} is not a known S-block.`);
  const type = S_KINDS[pcb & 0x03]!;
  const response = (pcb & 0x20) !== 0;
  const wantLen = type === 'ifs' || type === 'wtx' ? 1 : 0;
  if (len !== wantLen) throw new T1Error('T1_BAD_BLOCK', `S(${type}) carries ${len} INF bytes, expected ${wantLen}.`);
  return { kind: 'S', type, response, inf };
}
