/**
 * The CCID firmware of one virtual reader interface (CCID 1.1 §6): decodes PC_to_RDR
 * messages, drives the cards in its slots at the profile's exchange level, and produces
 * RDR_to_PC replies. Independent of ccid/ on purpose: both sides read the spec.
 */
import type { SimCard } from './card.ts';
import type { InterfaceProfile } from './profile.ts';
import { concat } from './bytes.ts';

export type Level = 'character' | 'tpdu' | 'short-apdu' | 'extended-apdu';

/** libccid treats these firmwares as extended-APDU level whatever they announce. */
const CHAINING_FIRMWARE = new Set([0x076b3021, 0x076b3a21, 0x076b6632, 0x046a0010, 0x0bf81024]);

export function levelOf(features: number, vendorId: number, productId: number, interfaceProtocol = 0): Level {
  if (CHAINING_FIRMWARE.has(((vendorId << 16) | productId) >>> 0)) return 'extended-apdu';
  // ICCD version B tokens chain short APDUs like the extended level (libccid relies on it).
  if (interfaceProtocol === 2 && (features & 0x70000) === 0x20000) return 'extended-apdu';
  switch (features & 0x70000) {
    case 0x10000: return 'tpdu';
    case 0x20000: return 'short-apdu';
    case 0x40000: return 'extended-apdu';
    default: return 'character';
  }
}

interface Slot {
  card: SimCard | undefined;
  powered: boolean;
  protocol: number;
  params: Uint8Array;
  commandParts: Uint8Array[];
  responseParts: Uint8Array[];
}

const ICC_MUTE = 0xfe;
const XFR_OVERRUN = 0xfc;
const PROTOCOL_NOT_SUPPORTED = 0xf6;
const CMD_NOT_SUPPORTED = 0x00;

export interface Reply {
  readonly bytes: Uint8Array;
}

export class CcidEngine {
  readonly slots: Slot[];
  readonly level: Level;
  readonly maxMessage: number;
  /** Events for the interrupt endpoint: set by the device. */
  onSlotChange: ((slot: number) => void) | undefined;
  /** Set when the next XfrBlock must lose its card mid-command. */
  removeDuringNext = false;

  constructor(readonly profile: InterfaceProfile, vendorId: number, productId: number) {
    const d = profile.descriptor;
    this.level = levelOf(d.dwFeatures, vendorId, productId, profile.interfaceProtocol);
    this.maxMessage = d.dwMaxCCIDMessageLength;
    this.slots = Array.from({ length: d.bMaxSlotIndex + 1 }, () => ({ card: undefined, powered: false, protocol: 0, params: new Uint8Array(5), commandParts: [], responseParts: [] }));
  }

  private get features(): number {
    return this.profile.descriptor.dwFeatures;
  }

  /** Protocols the reader speaks; a shifted descriptor with neither bit speaks both. */
  private readerSpeaks(t: number): boolean {
    const p = this.profile.descriptor.dwProtocols & 3;
    return p === 0 || (p & (1 << t)) !== 0;
  }

  insert(slot: number, card: SimCard): void {
    const s = this.slots[slot];
    if (!s) throw new RangeError(`no slot ${slot}`);
    s.card = card;
    s.powered = false;
    this.onSlotChange?.(slot);
  }

  remove(slot: number): void {
    const s = this.slots[slot];
    if (!s?.card) return;
    s.card = undefined;
    s.powered = false;
    this.onSlotChange?.(slot);
  }

  /** bmSlotICCState for NotifySlotChange (§6.3.1), marking `changed` slots. */
  slotChangeMessage(changed: readonly number[]): Uint8Array {
    const out = new Uint8Array(1 + Math.ceil((this.slots.length * 2) / 8));
    out[0] = 0x50;
    this.slots.forEach((s, i) => {
      const bits = (s.card ? 1 : 0) | (changed.includes(i) ? 2 : 0);
      out[1 + (i >> 2)]! |= bits << ((i & 3) * 2);
    });
    return out;
  }

  /** AUTO_IFSD (0x400): at TPDU level the reader sends S(IFS request) with its dwMaxIFSD. */
  private autoIfsd(card: SimCard): void {
    if (this.level !== 'tpdu' || !(this.features & 0x400) || card.protocol !== 1) return;
    const max = this.profile.descriptor.dwMaxIFSD;
    card.readerNegotiatesIfsd(Math.min(max >= 1 ? max : 254, 254, this.maxMessage - 10 - 4));
  }

  private iccStatus(s: Slot): number {
    return s.card ? (s.powered ? 0 : 1) : 2;
  }

  reply(type: number, slot: number, seq: number, status: number, error: number, specific: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
    const out = new Uint8Array(10 + data.length);
    const v = new DataView(out.buffer);
    v.setUint8(0, type);
    v.setUint32(1, data.length, true);
    out[5] = slot;
    out[6] = seq;
    out[7] = status;
    out[8] = error;
    out[9] = specific;
    out.set(data, 10);
    return out;
  }

  /** Processes one bulk-OUT message; returns its reply, or undefined for no reply at all. */
  async handle(msg: Uint8Array): Promise<Uint8Array | undefined> {
    if (msg.length < 10) return undefined;
    const type = msg[0]!;
    const length = new DataView(msg.buffer, msg.byteOffset).getUint32(1, true);
    const slotIndex = msg[5]!;
    const seq = msg[6]!;
    const data = msg.subarray(10);
    const s = this.slots[slotIndex];
    const replyType = ({ 0x61: 0x82, 0x62: 0x80, 0x63: 0x81, 0x65: 0x81, 0x6b: 0x83, 0x6c: 0x82, 0x6d: 0x82, 0x6f: 0x80, 0x72: 0x81 } as Record<number, number>)[type] ?? 0x81;
    if (!s) return this.reply(replyType, slotIndex, seq, 0x40 | 2, 5, 0);
    if (length !== data.length) return this.reply(replyType, slotIndex, seq, 0x40 | this.iccStatus(s), 1, 0);
    const fail = (error: number, specific = 0): Uint8Array => this.reply(replyType, slotIndex, seq, 0x40 | this.iccStatus(s), error, specific);
    const ok = (payload?: Uint8Array, specific = 0): Uint8Array => this.reply(replyType, slotIndex, seq, this.iccStatus(s), 0, specific, payload);
    switch (type) {
      case 0x62: { // IccPowerOn §6.1.1
        if (!s.card) return fail(ICC_MUTE);
        const power = msg[7]!;
        const volts = this.profile.descriptor.bVoltageSupport;
        if (power > 3 || (power !== 0 && volts !== 0 && !(volts & (1 << (power - 1))))) return fail(7);
        const atr = s.card.reset();
        s.powered = true;
        s.commandParts = [];
        s.responseParts = [];
        s.protocol = s.card.protocol;
        if (this.level === 'tpdu' && this.features & 0x40) {
          // AUTO_PPS_PROP: the reader negotiates the best protocol itself (T=1 first).
          const best = s.card.offered.includes(1) && this.readerSpeaks(1) ? 1 : 0;
          if (s.card.selectProtocol(best)) s.protocol = best;
        }
        this.autoIfsd(s.card);
        return ok(atr);
      }
      case 0x63: // IccPowerOff §6.1.2
        s.powered = false;
        return ok(undefined, 0);
      case 0x65: // GetSlotStatus §6.1.3
        return ok(undefined, 0);
      case 0x61: { // SetParameters §6.1.7
        const protocol = msg[7]!;
        if (protocol > 1 || data.length !== (protocol === 0 ? 5 : 7)) return fail(protocol > 1 ? 7 : 10, s.protocol);
        if (!s.card || !s.powered) return fail(ICC_MUTE, s.protocol);
        if (!this.readerSpeaks(protocol)) return fail(PROTOCOL_NOT_SUPPORTED, s.protocol);
        if (this.level === 'tpdu' && this.features & 0x80 && s.card.protocol !== protocol) {
          // AUTO_PPS_CUR: the reader runs the PPS for the requested protocol.
          if (!s.card.selectProtocol(protocol)) return fail(PROTOCOL_NOT_SUPPORTED, s.protocol);
        }
        s.protocol = protocol;
        s.params = data.slice();
        this.autoIfsd(s.card);
        return ok(s.params, protocol);
      }
      case 0x6c: // GetParameters §6.1.5
        return ok(s.params, s.protocol);
      case 0x6d: // ResetParameters §6.1.6
        s.params = new Uint8Array(5);
        s.protocol = s.card?.protocol ?? 0;
        return ok(s.params, s.protocol);
      case 0x6b: // Escape §6.1.8: this firmware knows no vendor command
        return fail(CMD_NOT_SUPPORTED);
      case 0x72: // Abort §6.1.13
        s.commandParts = [];
        s.responseParts = [];
        return ok(undefined, 0);
      case 0x6f:
        return this.xfrBlock(s, slotIndex, seq, msg, data, fail, ok);
      default:
        return this.reply(0x81, slotIndex, seq, 0x40 | this.iccStatus(s), CMD_NOT_SUPPORTED, 0);
    }
  }

  private async xfrBlock(s: Slot, slotIndex: number, seq: number, msg: Uint8Array, data: Uint8Array,
    fail: (e: number, sp?: number) => Uint8Array, ok: (d?: Uint8Array, sp?: number) => Uint8Array): Promise<Uint8Array> {
    if (this.removeDuringNext && s.card) {
      this.removeDuringNext = false;
      this.remove(slotIndex);
      return fail(ICC_MUTE);
    }
    const card = s.card;
    if (!card || !s.powered) return fail(ICC_MUTE);
    const maxData = this.maxMessage - 10;
    const levelParameter = msg[8]! | (msg[9]! << 8);
    let answer: Uint8Array;
    switch (this.level) {
      case 'character':
        return fail(CMD_NOT_SUPPORTED);
      case 'tpdu':
        if (card.expectsPps && data[0] === 0xff) {
          answer = card.processPps(data);
          if (answer.length === 0) return fail(ICC_MUTE);
        } else {
          answer = card.protocol === 1 ? await card.processT1(data) : await card.processT0(data);
        }
        break;
      case 'short-apdu':
        if (data.length > 4 && data[4] === 0 && data.length !== 5) return fail(10);
        answer = await card.processApdu(data);
        break;
      case 'extended-apdu': {
        // §6.1.4 wLevelParameter: 00 whole, 01 begin, 03 continue, 02 end, 10 next response part.
        if (levelParameter === 0x10) {
          const part = s.responseParts.shift();
          if (!part) return fail(10);
          return ok(part, s.responseParts.length > 0 ? 0x03 : 0x02);
        }
        if (levelParameter === 0x01 || levelParameter === 0x03) {
          if ((levelParameter === 0x01) !== (s.commandParts.length === 0)) return fail(8);
          s.commandParts.push(data.slice());
          return ok(undefined, 0x10);
        }
        if (levelParameter === 0x02) {
          if (s.commandParts.length === 0) return fail(8);
          s.commandParts.push(data.slice());
          data = concat(...s.commandParts);
          s.commandParts = [];
        } else if (levelParameter !== 0x00) {
          return fail(8);
        }
        answer = await card.processApdu(data);
        if (!s.card) return fail(ICC_MUTE);
        // A broken descriptor (dwMaxCCIDMessageLength <= 10) leaves no room for a part: the
        // response cannot be chained (CCID 1.1 §6.1.4), so the reader reports an overrun.
        if (answer.length > maxData && maxData < 1) return fail(XFR_OVERRUN);
        if (answer.length > maxData) {
          s.responseParts = [];
          for (let off = maxData; off < answer.length; off += maxData) s.responseParts.push(answer.subarray(off, off + maxData));
          return ok(answer.subarray(0, maxData), 0x01);
        }
        return ok(answer, 0x00);
      }
    }
    if (!s.card) return fail(ICC_MUTE);
    if (answer.length > maxData) return fail(XFR_OVERRUN);
    return ok(answer, 0);
  }
}
