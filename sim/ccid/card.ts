/**
 * The card model behind a virtual reader: the ATR, protocol state (PPS, ISO/IEC 7816-3 §9),
 * card-side T=0 (§10) and T=1 (see card-t1.ts), and ISO 7816-4 response management (61xx
 * and GET RESPONSE) around an APDU handler. Applications plug in as an ApduHandler.
 */
import { CardT1 } from './card-t1.ts';
import type { T1Fault } from './card-t1.ts';
import { concat } from './bytes.ts';

/**
 * What a simulated card application provides: its ATR and an APDU handler. `handle` gets
 * a whole command APDU (header, Lc/data, Le as sent, short or extended) and returns the
 * whole response: data then SW1 SW2. Longer-than-Ne answers are fine: the card model
 * returns Ne bytes with 61xx and serves the rest through GET RESPONSE.
 */
export interface ApduHandler {
  readonly atr: Uint8Array;
  handle(apdu: Uint8Array): Promise<Uint8Array> | Uint8Array;
  /** Called on every card reset (power on), when the application keeps session state. */
  reset?(): unknown;
}

export interface SimCardOptions {
  /** Serve long answers with 61xx + GET RESPONSE (ISO 7816-4 §5.3.4; default true). */
  readonly responseChaining?: boolean;
}

/** Parses the ATR fields the card model needs (ISO/IEC 7816-3 §8.2), independently of ccid/. */
export function atrProtocols(atr: Uint8Array): { protocols: number[]; specific?: number; ifsc: number; crc: boolean } {
  let pos = 1;
  let y = (atr[pos++] ?? 0) >> 4;
  const protocols: number[] = [];
  let specific: number | undefined;
  let ifsc = 32;
  let crc = false;
  let current = 0;
  for (let i = 1; pos <= atr.length; i++) {
    const ta = y & 1 ? atr[pos++] : undefined;
    if (y & 2) pos++;
    const tc = y & 4 ? atr[pos++] : undefined;
    const td = y & 8 ? atr[pos++] : undefined;
    if (i === 2 && ta !== undefined) specific = ta & 0x0f;
    if (i >= 3 && current === 1) {
      if (ta !== undefined && ifsc === 32) ifsc = ta;
      if (tc !== undefined) crc = (tc & 1) === 1;
    }
    if (td === undefined) break;
    current = td & 0x0f;
    if (!protocols.includes(current)) protocols.push(current);
    y = td >> 4;
  }
  if (protocols.length === 0) protocols.push(0);
  return { protocols, ...(specific !== undefined ? { specific } : {}), ifsc, crc };
}

export class SimCard {
  readonly atr: Uint8Array;
  readonly offered: readonly number[];
  readonly specific: number | undefined;
  /** The protocol in force: the specific or first offered one until a PPS changes it. */
  protocol: number;
  private pending: Uint8Array | undefined;
  private pendingSw = 0x9000;
  private t1: CardT1;
  private fresh = true;
  private readonly chaining: boolean;
  /** Faults for the card-side T=1 layer, consumed one by one. */
  readonly t1Faults: T1Fault[] = [];
  readonly stats = { apdus: 0 };

  constructor(readonly handler: ApduHandler, options: SimCardOptions = {}) {
    this.atr = handler.atr;
    const info = atrProtocols(this.atr);
    this.offered = info.protocols;
    this.specific = info.specific;
    this.protocol = info.specific ?? info.protocols[0]!;
    this.chaining = options.responseChaining ?? true;
    this.t1 = new CardT1((apdu) => this.processApdu(apdu), { ifsc: info.ifsc, crc: info.crc, faults: this.t1Faults });
  }

  /** Cold or warm reset: protocol back to default, T=1 state and buffers cleared. */
  reset(): Uint8Array {
    this.protocol = this.specific ?? this.offered[0]!;
    this.pending = undefined;
    this.handler.reset?.();
    this.fresh = true;
    const info = atrProtocols(this.atr);
    this.t1 = new CardT1((apdu) => this.processApdu(apdu), { ifsc: info.ifsc, crc: info.crc, faults: this.t1Faults });
    return this.atr.slice();
  }

  /** A reader's own PPS (AUTO_PPS_*) or SetParameters: switch protocol if allowed. */
  selectProtocol(t: number): boolean {
    if (this.specific !== undefined) return t === this.specific;
    if (!this.offered.includes(t)) return false;
    this.protocol = t;
    return true;
  }

  /** An AUTO_IFSD reader negotiates IFSD itself, as the first T=1 exchange. */
  readerNegotiatesIfsd(ifsd: number): void {
    this.t1.setIfsd(ifsd);
  }

  /** Only the first exchange after reset may be a PPS (§9.1). */
  get expectsPps(): boolean {
    return this.fresh;
  }

  /** PPS exchange (§9.2/§9.3): echoes an acceptable request; returns no answer otherwise. */
  processPps(request: Uint8Array): Uint8Array {
    this.fresh = false;
    const ok = request.length >= 3 && request[0] === 0xff && request.reduce((x, b) => x ^ b, 0) === 0;
    const t = (request[1] ?? 0) & 0x0f;
    if (!ok || !this.selectProtocol(t)) return new Uint8Array(0);
    return request.slice();
  }

  /** One T=1 block in, one block out (card-side §11). */
  async processT1(block: Uint8Array): Promise<Uint8Array> {
    this.fresh = false;
    return this.t1.receive(block);
  }

  /**
   * One T=0 TPDU in (§10.3; procedure bytes are the reader's business at TPDU level):
   * a 5-byte TPDU is case 1 or 2 (P3 = Le); a longer one carries data (case 3 or 4),
   * whose answer waits behind 61xx for GET RESPONSE.
   */
  async processT0(tpdu: Uint8Array): Promise<Uint8Array> {
    this.fresh = false;
    if (tpdu.length < 5) return sw(0x6700);
    const p3 = tpdu[4]!;
    if (tpdu.length === 5) {
      const le = p3 === 0 ? 256 : p3;
      const ins = tpdu[1]!;
      if (ins === 0xc0 && this.pending) return this.getResponse(le, p3, true);
      const answer = await this.run(tpdu.slice(0, 5));
      const data = answer.subarray(0, answer.length - 2);
      if (data.length === 0) return answer;
      // The card sends exactly P3 bytes (00: 256) after its procedure byte (§12.2.3); holding fewer, it
      // can only answer 6C xx with the exact length.
      if (data.length < le) return sw(0x6c00 | data.length);
      return this.deliver(answer, le);
    }
    if (tpdu.length !== 5 + p3 || p3 === 0) return sw(0x6700);
    const answer = await this.run(tpdu);
    if (answer.length === 2) return answer;
    this.pending = answer.subarray(0, answer.length - 2);
    this.pendingSw = (answer[answer.length - 2]! << 8) | answer[answer.length - 1]!;
    return sw(0x6100 | (Math.min(this.pending.length, 256) & 0xff));
  }

  /** A whole APDU (APDU-level readers, T=1 INF): answers at most Ne bytes, 61xx for the rest. */
  async processApdu(apdu: Uint8Array): Promise<Uint8Array> {
    this.fresh = false;
    if (apdu.length < 4) return sw(0x6700);
    const ne = expectedLength(apdu);
    if (apdu[1] === 0xc0 && this.pending) return this.getResponse(ne === 0 ? 256 : ne, ne & 0xff);
    const answer = await this.run(apdu);
    return this.deliver(answer, ne);
  }

  private async run(apdu: Uint8Array): Promise<Uint8Array> {
    this.stats.apdus++;
    this.pending = undefined;
    const r = await this.handler.handle(apdu);
    return r.length >= 2 ? r : sw(0x6f00);
  }

  private deliver(answer: Uint8Array, ne: number): Uint8Array {
    const data = answer.subarray(0, answer.length - 2);
    if (!this.chaining || data.length <= ne) return answer;
    this.pending = data.slice(ne);
    this.pendingSw = (answer[answer.length - 2]! << 8) | answer[answer.length - 1]!;
    return concat(data.subarray(0, ne), sw(0x6100 | (Math.min(this.pending.length, 256) & 0xff)));
  }

  /**
   * GET RESPONSE (ISO 7816-4 §11.5.3): the next part of the buffered answer. Over T=0 the card must send
   * P3 bytes (00: 256), so a shorter rest is 6C xx; over T=1 / APDU level Le = 00 takes what is left.
   */
  private getResponse(le: number, p3: number, t0 = false): Uint8Array {
    const pending = this.pending;
    if (!pending) return sw(0x6985);
    if ((p3 !== 0 || t0) && le > pending.length) return sw(0x6c00 | pending.length);
    const part = pending.subarray(0, le);
    const rest = pending.subarray(le);
    if (rest.length === 0) {
      this.pending = undefined;
      return concat(part, sw(this.pendingSw));
    }
    this.pending = rest;
    return concat(part, sw(0x6100 | (Math.min(rest.length, 256) & 0xff)));
  }
}

/** Ne of a command APDU (ISO 7816-4 §5.1), 0 when absent. */
export function expectedLength(apdu: Uint8Array): number {
  const body = apdu.length - 4;
  if (body <= 0) return 0;
  if (body === 1) return apdu[4] || 256;
  if (apdu[4] !== 0) {
    const lc = apdu[4]!;
    return body === 2 + lc ? apdu[5 + lc] || 256 : 0;
  }
  if (body === 3) return ((apdu[5]! << 8) | apdu[6]!) || 65536;
  const lc = (apdu[5]! << 8) | apdu[6]!;
  return body === 5 + lc ? ((apdu[7 + lc]! << 8) | apdu[8 + lc]!) || 65536 : 0;
}

export function sw(value: number): Uint8Array {
  return Uint8Array.of(value >> 8, value & 0xff);
}
