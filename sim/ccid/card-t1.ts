/**
 * Card-side T=1 (ISO/IEC 7816-3:2006 §11), written independently of ccid/: receives the
 * host's blocks, acknowledges chained I-blocks, answers in I-blocks of at most IFSD bytes,
 * honours S(IFS), S(RESYNCH), S(ABORT), and asks for S(WTX) or S(IFS) when a fault says so.
 */

import { concat } from './bytes.ts';

/** Card-side faults, each consumed once, in order. */
export type T1Fault =
  | 'corrupt' // the next block the card sends has a wrong EDC
  | 'wtx' // the card asks for a waiting time extension before its answer
  | 'ifs' // the card sends S(IFS request) to shrink IFSC before its answer
  | 'nak' // the card answers the host's next I-block with R(error)
  | 'abort' // the card aborts the next I-block with S(ABORT request)
  | 'lost-sync'; // the card answers garbage until the host sends S(RESYNCH)

interface Options {
  readonly ifsc: number;
  readonly crc: boolean;
  readonly faults: T1Fault[];
}

export class CardT1 {
  private ns = 0;
  private nr = 0;
  private ifsd = 32;
  private rx: Uint8Array[] = [];
  private tx: Uint8Array[] = [];
  private txIndex = 0;
  private lastSent: Uint8Array | undefined;
  private afterS: Uint8Array | undefined;
  private lostSync = false;
  readonly stats = { blocks: 0, resyncs: 0 };

  constructor(private readonly handle: (apdu: Uint8Array) => Promise<Uint8Array>, private readonly options: Options) {}

  private edcLen(): number {
    return this.options.crc ? 2 : 1;
  }

  private block(pcb: number, inf: Uint8Array = new Uint8Array(0)): Uint8Array {
    const out = new Uint8Array(3 + inf.length + this.edcLen());
    out[1] = pcb;
    out[2] = inf.length;
    out.set(inf, 3);
    const body = out.subarray(0, 3 + inf.length);
    if (this.options.crc) {
      const c = crc(body);
      out[3 + inf.length] = c >> 8;
      out[4 + inf.length] = c & 0xff;
    } else {
      out[3 + inf.length] = body.reduce((x, b) => x ^ b, 0);
    }
    return out;
  }

  private send(bytes: Uint8Array): Uint8Array {
    this.lastSent = bytes;
    this.stats.blocks++;
    if (this.options.faults[0] === 'corrupt') {
      this.options.faults.shift();
      const bad = bytes.slice();
      bad[bad.length - 1]! ^= 0x5a;
      return bad;
    }
    return bytes;
  }

  private valid(b: Uint8Array): boolean {
    if (b.length < 3 + this.edcLen() || b.length !== 3 + b[2]! + this.edcLen()) return false;
    const body = b.subarray(0, 3 + b[2]!);
    if (this.options.crc) return crc(body) === ((b[b.length - 2]! << 8) | b[b.length - 1]!);
    return body.reduce((x, v) => x ^ v, 0) === b[b.length - 1];
  }

  /** The reader's own S(IFS) exchange (AUTO_IFSD readers do it as the first T=1 exchange). */
  setIfsd(ifsd: number): void {
    if (ifsd >= 1 && ifsd <= 254) this.ifsd = ifsd;
  }

  async receive(b: Uint8Array): Promise<Uint8Array> {
    const pcb = b[1] ?? 0;
    if (this.lostSync) {
      if (this.valid(b) && pcb === 0xc0) {
        this.lostSync = false;
      } else {
        return Uint8Array.of(0x00, 0x00, 0x05, 0xde, 0xad);
      }
    }
    // Rule 7.1: an invalid block is answered with R(N(R)) and error bit 1 (EDC).
    if (!this.valid(b)) return this.send(this.block(0x80 | (this.nr << 4) | 0x01));
    const inf = b.slice(3, 3 + b[2]!);
    if ((pcb & 0xc0) === 0xc0) return this.sBlock(pcb, inf);
    if ((pcb & 0xc0) === 0x80) return this.rBlock((pcb >> 4) & 1);
    return this.iBlock((pcb >> 6) & 1, (pcb & 0x20) !== 0, inf);
  }

  private async sBlock(pcb: number, inf: Uint8Array): Promise<Uint8Array> {
    switch (pcb) {
      case 0xc0: // RESYNCH request (§11.6.3.2 rule 6.4): reset the card's T=1 state
        this.stats.resyncs++;
        this.ns = 0;
        this.nr = 0;
        this.ifsd = 32;
        this.rx = [];
        this.tx = [];
        return this.send(this.block(0xe0));
      case 0xc1: // IFS request: the host's IFSD
        if (inf.length === 1 && inf[0]! >= 1 && inf[0]! <= 254) {
          this.ifsd = inf[0]!;
          return this.send(this.block(0xe1, inf));
        }
        return this.send(this.block(0x80 | (this.nr << 4) | 0x02));
      case 0xc2: // ABORT request
        this.rx = [];
        this.tx = [];
        return this.send(this.block(0xe2));
      case 0xe3: // WTX response, or
      case 0xe1: // IFS response: now send what waited behind our S-request
        if (this.afterS) {
          const next = this.afterS;
          this.afterS = undefined;
          return this.send(next);
        }
        return this.send(this.block(0x80 | (this.nr << 4) | 0x02));
      default:
        return this.send(this.block(0x80 | (this.nr << 4) | 0x02));
    }
  }

  private rBlock(nr: number): Uint8Array {
    // Chaining our answer: R(N(R) = next N(S)) acknowledges, so send the next part.
    if (this.tx.length > 0 && this.txIndex < this.tx.length - 1 && nr === this.ns) {
      this.txIndex++;
      return this.sendI();
    }
    // Otherwise the host asks again for our last block (rule 7.x).
    return this.send(this.lastSent ?? this.block(0x80 | (this.nr << 4) | 0x02));
  }

  private sendI(): Uint8Array {
    const more = this.txIndex < this.tx.length - 1;
    const pcb = (this.ns << 6) | (more ? 0x20 : 0);
    this.ns ^= 1;
    return this.send(this.block(pcb, this.tx[this.txIndex]!));
  }

  private async iBlock(ns: number, more: boolean, inf: Uint8Array): Promise<Uint8Array> {
    if (ns !== this.nr) {
      // A repeated I-block: our answer was lost; send it again.
      return this.send(this.lastSent ?? this.block(0x80 | (this.nr << 4) | 0x02));
    }
    const fault = this.options.faults[0];
    if (fault === 'nak') {
      this.options.faults.shift();
      return this.send(this.block(0x80 | (this.nr << 4) | 0x02));
    }
    if (fault === 'abort') {
      this.options.faults.shift();
      this.rx = [];
      return this.send(this.block(0xc2));
    }
    if (fault === 'lost-sync') {
      this.options.faults.shift();
      this.lostSync = true;
      return Uint8Array.of(0x00, 0x00, 0x05, 0xde, 0xad);
    }
    this.nr ^= 1;
    this.rx.push(inf);
    if (more) return this.send(this.block(0x80 | (this.nr << 4)));
    const apdu = concat(...this.rx);
    this.rx = [];
    const answer = await this.handle(apdu);
    this.tx = [];
    for (let off = 0; off < answer.length; off += this.ifsd) this.tx.push(answer.subarray(off, off + this.ifsd));
    this.txIndex = 0;
    const next = this.options.faults[0];
    if (next === 'wtx' || next === 'ifs') {
      this.options.faults.shift();
      const first = this.sendIBytes();
      this.afterS = first;
      return this.send(next === 'wtx' ? this.block(0xc3, Uint8Array.of(2)) : this.block(0xc1, Uint8Array.of(254)));
    }
    return this.sendI();
  }

  /** The first I-block of an answer, built but not yet sent (it waits behind an S-request). */
  private sendIBytes(): Uint8Array {
    const more = this.tx.length > 1;
    const pcb = (this.ns << 6) | (more ? 0x20 : 0);
    this.ns ^= 1;
    return this.block(pcb, this.tx[0]!);
  }
}

/** CRC of ISO/IEC 13239 as T=1 uses it: reflected 0x1021 (0x8408), initial FFFF. */
function crc(bytes: Uint8Array): number {
  let c = 0xffff;
  for (const b of bytes) {
    c ^= b;
    for (let i = 0; i < 8; i++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
  }
  return c;
}
