// BER-TLV for the simulated cards (ISO/IEC 7816-4 §5.2). Written separately from card/
// on purpose: the simulator is an independent peer, so a client bug cannot mirror here.

export class SimTlvError extends Error {
  readonly code = 'SIM_TLV';
}

export interface SimTlv {
  readonly tag: number;
  readonly value: Buffer;
}

export function tlvDecode(input: Uint8Array): SimTlv[] {
  const b = Buffer.from(input.buffer, input.byteOffset, input.length);
  const out: SimTlv[] = [];
  let i = 0;
  const need = (n: number) => { if (i + n > b.length) throw new SimTlvError('truncated TLV'); };
  while (i < b.length) {
    need(1);
    let tag = b[i++]!;
    if ((tag & 0x1f) === 0x1f) {
      do { need(1); tag = (tag << 8) | b[i]!; } while (b[i++]! & 0x80);
    }
    need(1);
    let len = b[i++]!;
    if (len === 0x81) { need(1); len = b[i++]!; }
    else if (len === 0x82) { need(2); len = b.readUInt16BE(i); i += 2; }
    else if (len === 0x83) { need(3); len = b.readUIntBE(i, 3); i += 3; }
    else if (len > 0x80) throw new SimTlvError('bad TLV length');
    need(len);
    out.push({ tag, value: b.subarray(i, i + len) });
    i += len;
  }
  return out;
}

export function tlvFind(tlvs: readonly SimTlv[], tag: number): Buffer | undefined {
  return tlvs.find((t) => t.tag === tag)?.value;
}

function lengthBytes(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  if (n < 0x10000) return Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
}

export function tlv(tag: number, ...values: Uint8Array[]): Buffer {
  const tagBytes = tag > 0xffff ? Buffer.from([tag >> 16, (tag >> 8) & 0xff, tag & 0xff])
    : tag > 0xff ? Buffer.from([tag >> 8, tag & 0xff]) : Buffer.from([tag]);
  const value = Buffer.concat(values);
  return Buffer.concat([tagBytes, lengthBytes(value.length), value]);
}
