// A simulated PIV Card Application (SP 800-73-4 Part 2 §3) with the YubiKey PIV
// extensions (Yubico "PIV commands": FD version, F8 serial, F7 metadata).
import { timingSafeEqual } from 'node:crypto';
import { ATR_GENERIC_PIV, ATR_YUBIKEY_5 } from './atr.ts';
import { algorithmOfId, PIV_ALG_ID, SimKey, type SimAlgorithm } from './keys.ts';
import { DEFAULT_MANAGEMENT_KEY, ManagementKey } from './management-key.ts';
import { generalAuthenticate } from './piv-authenticate.ts';
import { SimTlvError, tlv, tlvDecode, tlvFind } from './tlv.ts';
import { SW, VirtualCardBase, type CardReply, type ParsedCommand } from './virtual-card.ts';

export const PIV_AID_FULL = Buffer.from('a000000308000010000100', 'hex');

/** YubiKey policy encodings (tag AA / AB and metadata tag 02). */
export const PIN_POLICY = { default: 0, never: 1, once: 2, always: 3 } as const;
export const TOUCH_POLICY = { default: 0, never: 1, always: 2, cached: 3 } as const;

export interface SlotState {
  key: SimKey;
  pinPolicy: 1 | 2 | 3;
  touchPolicy: 1 | 2 | 3;
  origin: 1 | 2;
}

export interface PivCardOptions {
  readonly profile?: 'yubikey5' | 'generic';
  readonly atr?: Uint8Array;
  /** Default: true for the YubiKey profile, false (short APDUs only) for the generic card. */
  readonly extendedLength?: boolean;
  readonly version?: readonly [number, number, number];
  readonly serial?: number;
  readonly pin?: string;
  readonly puk?: string;
  readonly pinRetries?: number;
  readonly pukRetries?: number;
  readonly managementKey?: ManagementKey;
  /** How long a "touch" takes when a key's touch policy asks for one. */
  readonly touchDelayMs?: number;
}

/** Objects readable only after PIN verification (SP 800-73-4 Part 1 Table 3). */
const PIN_PROTECTED = new Set([0x5fc103, 0x5fc108, 0x5fc109, 0x5fc121]);
const SLOT_OBJECT: Record<number, number> = { 0x9a: 0x5fc105, 0x9c: 0x5fc10a, 0x9d: 0x5fc10b, 0x9e: 0x5fc101 };
for (let i = 0; i < 20; i++) SLOT_OBJECT[0x82 + i] = 0x5fc10d + i;

/** Default PIN policy by slot (SP 800-73-4 Part 1 §3.2: 9C always, 9E never). */
function defaultPinPolicy(slot: number): 1 | 2 | 3 {
  return slot === 0x9c ? 3 : slot === 0x9e ? 1 : 2;
}

function padRef(value: string): Buffer {
  const b = Buffer.alloc(8, 0xff);
  Buffer.from(value, 'utf8').copy(b);
  return b;
}

export class PivCard extends VirtualCardBase {
  readonly profile: 'yubikey5' | 'generic';
  readonly version: readonly [number, number, number];
  readonly serial: number;
  readonly objects = new Map<number, Buffer>();
  discovery: Buffer | undefined = tlv(0x7e, tlv(0x4f, PIV_AID_FULL), tlv(0x5f2f, Buffer.from([0x40, 0x00])));
  readonly slots = new Map<number, SlotState>();
  managementKey: ManagementKey;
  touchDelayMs: number;
  touches = 0;
  pin: Buffer;
  puk: Buffer;
  readonly pinMax: number;
  readonly pukMax: number;
  pinLeft: number;
  pukLeft: number;
  pinVerified = false;
  /** Set by a successful VERIFY, consumed by a PIN-always key (Yubico pin policy "always"). */
  pinFresh = false;
  mgmAuthenticated = false;
  selected = true;
  mgmChallenge: { kind: 'witness' | 'challenge'; value: Buffer } | undefined;
  touchCache = false;

  constructor(options: PivCardOptions = {}) {
    const profile = options.profile ?? 'yubikey5';
    super({ atr: options.atr ?? (profile === 'yubikey5' ? ATR_YUBIKEY_5 : ATR_GENERIC_PIV), extendedLength: options.extendedLength ?? profile === 'yubikey5' });
    this.profile = profile;
    this.version = options.version ?? [5, 7, 1];
    this.serial = options.serial ?? 12345678;
    this.pin = padRef(options.pin ?? '123456');
    this.puk = padRef(options.puk ?? '12345678');
    this.pinMax = this.pinLeft = options.pinRetries ?? 3;
    this.pukMax = this.pukLeft = options.pukRetries ?? 3;
    this.managementKey = options.managementKey ?? new ManagementKey(0x03, DEFAULT_MANAGEMENT_KEY);
    this.touchDelayMs = options.touchDelayMs ?? 50;
  }

  protected onReset(): void {
    this.pinVerified = false;
    this.pinFresh = false;
    this.mgmAuthenticated = false;
    this.mgmChallenge = undefined;
    this.touchCache = false;
    this.selected = true;
  }

  /** Puts a key in a slot (provisioning, as an import would). */
  setKey(slot: number, key: SimKey, policy: { pin?: keyof typeof PIN_POLICY; touch?: keyof typeof TOUCH_POLICY; origin?: 1 | 2 } = {}): void {
    const pin = policy.pin && policy.pin !== 'default' ? PIN_POLICY[policy.pin] : defaultPinPolicy(slot);
    const touch = policy.touch && policy.touch !== 'default' ? TOUCH_POLICY[policy.touch] : 1;
    this.slots.set(slot, { key, pinPolicy: pin as 1 | 2 | 3, touchPolicy: touch as 1 | 2 | 3, origin: policy.origin ?? 2 });
  }

  /** Stores a certificate container: 70 cert, 71 CertInfo (01 = compressed), FE LRC. */
  setCertificate(slot: number, certificate: Uint8Array, compressed = false): void {
    const object = SLOT_OBJECT[slot];
    if (object === undefined) throw new RangeError(`no certificate object for slot ${slot.toString(16)}`);
    this.objects.set(object, Buffer.concat([tlv(0x70, certificate), tlv(0x71, Buffer.from([compressed ? 0x01 : 0x00])), tlv(0xfe)]));
  }

  /** Waits for the simulated touch (the user presses the key's contact). */
  async touch(): Promise<void> {
    this.touches++;
    await this.wait(this.touchDelayMs);
  }

  get yubikey(): boolean {
    return this.profile === 'yubikey5';
  }

  protected async process(cmd: ParsedCommand): Promise<CardReply> {
    try {
      if (cmd.cla !== 0) return { sw: SW.CLA_NOT_SUPPORTED };
      if (cmd.ins === 0xa4) return this.select(cmd);
      if (!this.selected) return { sw: SW.INS_NOT_SUPPORTED };
      switch (cmd.ins) {
        case 0xcb: return this.getData(cmd);
        case 0xdb: return this.putData(cmd);
        case 0x20: return this.verify(cmd);
        case 0x24: return this.changeReference(cmd);
        case 0x2c: return this.resetRetryCounter(cmd);
        case 0x87: return await generalAuthenticate(this, cmd);
        case 0x47: return this.generateKey(cmd);
      }
      if (this.yubikey) {
        switch (cmd.ins) {
          case 0xfd: return { data: Buffer.from(this.version), sw: SW.OK };
          case 0xf8: {
            const b = Buffer.alloc(4); b.writeUInt32BE(this.serial); return { data: b, sw: SW.OK };
          }
          case 0xf7: return this.metadata(cmd);
        }
      }
      return { sw: SW.INS_NOT_SUPPORTED };
    } catch (err) {
      if (err instanceof SimTlvError) return { sw: SW.WRONG_DATA };
      throw err;
    }
  }

  /** SELECT by AID (ISO 7816-4 §11.1.1): a prefix of the PIV AID selects it (Part 2 §3.1.1). */
  private select(cmd: ParsedCommand): CardReply {
    if (cmd.p1 !== 0x04) return { sw: SW.WRONG_P1P2 };
    const aid = cmd.data;
    if (aid.length < 5 || aid.length > PIV_AID_FULL.length || !PIV_AID_FULL.subarray(0, aid.length).equals(aid)) {
      // Another application: not on this card. The current selection stays (ISO 7816-4 §7.1.1).
      return { sw: SW.NOT_FOUND };
    }
    if (!this.selected) { this.pinVerified = false; this.mgmAuthenticated = false; }
    this.selected = true;
    // Application property template (Part 2 Table 3): 4F PIX, 79 { 4F RID }, AC algorithms (optional). A
    // YubiKey sends no AC: '61 11 4F 06 00 00 10 00 01 00 79 07 4F 05 A0 00 00 03 08' (Yubico's VERIFY page transcript).
    const algs = Buffer.concat([...Object.values(PIV_ALG_ID).filter((a) => a !== 0xe0).map((a) => tlv(0x80, Buffer.from([a]))), tlv(0x06)]);
    return {
      data: tlv(0x61, tlv(0x4f, PIV_AID_FULL.subarray(5)), tlv(0x79, tlv(0x4f, PIV_AID_FULL.subarray(0, 5))), ...(this.yubikey ? [] : [tlv(0xac, algs)])),
      sw: SW.OK,
    };
  }

  /** GET DATA (Part 2 §3.1.2): 3F FF, 5C { tag }. */
  private getData(cmd: ParsedCommand): CardReply {
    if (cmd.p1 !== 0x3f || cmd.p2 !== 0xff) return { sw: SW.WRONG_P1P2 };
    const id = tlvFind(tlvDecode(cmd.data), 0x5c);
    if (!id) return { sw: SW.WRONG_DATA };
    if (id.length === 1 && id[0] === 0x7e) return this.discovery ? { data: this.discovery, sw: SW.OK } : { sw: SW.NOT_FOUND };
    if (id.length !== 3) return { sw: SW.NOT_FOUND };
    const object = id.readUIntBE(0, 3);
    if (PIN_PROTECTED.has(object) && !this.pinVerified) return { sw: SW.SECURITY };
    const content = this.objects.get(object);
    return content ? { data: tlv(0x53, content), sw: SW.OK } : { sw: SW.NOT_FOUND };
  }

  /** PUT DATA (Part 2 §3.3.1): needs the management key. */
  private putData(cmd: ParsedCommand): CardReply {
    if (cmd.p1 !== 0x3f || cmd.p2 !== 0xff) return { sw: SW.WRONG_P1P2 };
    if (!this.mgmAuthenticated) return { sw: SW.SECURITY };
    const tlvs = tlvDecode(cmd.data);
    const discovery = tlvFind(tlvs, 0x7e);
    if (discovery) { this.discovery = tlv(0x7e, discovery); return { sw: SW.OK }; }
    const id = tlvFind(tlvs, 0x5c);
    const content = tlvFind(tlvs, 0x53);
    if (!id || id.length !== 3 || !content) return { sw: SW.WRONG_DATA };
    const object = id.readUIntBE(0, 3);
    if (content.length === 0) this.objects.delete(object);
    else this.objects.set(object, Buffer.from(content));
    return { sw: SW.OK };
  }

  private retriesStatus(left: number): number {
    return left === 0 ? SW.BLOCKED : 0x63c0 | left;
  }

  /**
   * A PIN as a generic PIV card checks it (Part 2 §2.4.3): 6 to 8 digits padded with FF to 8 bytes; a
   * malformed one is refused with 6A 80 before any comparison, so no try is counted (OpenFIPS201; SP
   * 800-73-5 allows 6A 80 or 63 Cx). A YubiKey takes any character and only compares.
   */
  private pinFormatRefused(value: Buffer): boolean {
    if (this.yubikey) return false;
    const end = value.indexOf(0xff);
    const len = end === -1 ? value.length : end;
    return len < 6 || !value.subarray(0, len).every((b) => b >= 0x30 && b <= 0x39) || !value.subarray(len).every((b) => b === 0xff);
  }

  /** VERIFY (Part 2 §3.2.1). P1 FF logs out; empty data reports the state. Only the PIN (80) is verified here. */
  private verify(cmd: ParsedCommand): CardReply {
    if (cmd.p2 !== 0x80) return { sw: SW.REF_NOT_FOUND };
    if (cmd.p1 === 0xff) {
      if (cmd.data.length !== 0) return { sw: SW.WRONG_P1P2 };
      this.pinVerified = false; this.pinFresh = false;
      return { sw: SW.OK };
    }
    if (cmd.p1 !== 0x00) return { sw: SW.WRONG_P1P2 };
    if (cmd.data.length === 0) return { sw: this.pinVerified ? SW.OK : this.retriesStatus(this.pinLeft) };
    if (cmd.data.length !== 8 || this.pinFormatRefused(cmd.data)) return { sw: SW.WRONG_DATA };
    if (this.pinLeft === 0) return { sw: SW.BLOCKED };
    if (!timingSafeEqual(cmd.data, this.pin)) {
      this.pinLeft--;
      this.pinVerified = false; this.pinFresh = false;
      return { sw: this.retriesStatus(this.pinLeft) };
    }
    this.pinLeft = this.pinMax;
    this.pinVerified = true;
    this.pinFresh = true;
    return { sw: SW.OK };
  }

  /** CHANGE REFERENCE DATA (Part 2 §3.2.2): old || new, 16 bytes, PIN (80) or PUK (81). */
  private changeReference(cmd: ParsedCommand): CardReply {
    if (cmd.p1 !== 0) return { sw: SW.WRONG_P1P2 };
    if (cmd.p2 !== 0x80 && cmd.p2 !== 0x81) return { sw: SW.REF_NOT_FOUND };
    if (cmd.data.length !== 16) return { sw: SW.WRONG_DATA };
    const isPin = cmd.p2 === 0x80;
    if (isPin && this.pinFormatRefused(cmd.data.subarray(0, 8))) return { sw: SW.WRONG_DATA };
    const left = isPin ? this.pinLeft : this.pukLeft;
    if (left === 0) return { sw: SW.BLOCKED };
    const current = isPin ? this.pin : this.puk;
    if (!timingSafeEqual(cmd.data.subarray(0, 8), current)) {
      if (isPin) this.pinLeft--; else this.pukLeft--;
      return { sw: this.retriesStatus(left - 1) };
    }
    const next = Buffer.from(cmd.data.subarray(8));
    if (!validReference(next) || (isPin && this.pinFormatRefused(next))) return { sw: SW.WRONG_DATA };
    if (isPin) { this.pin = next; this.pinLeft = this.pinMax; this.pinVerified = true; }
    else { this.puk = next; this.pukLeft = this.pukMax; }
    return { sw: SW.OK };
  }

  /** RESET RETRY COUNTER (Part 2 §3.2.3): PUK || new PIN. */
  private resetRetryCounter(cmd: ParsedCommand): CardReply {
    if (cmd.p1 !== 0) return { sw: SW.WRONG_P1P2 };
    if (cmd.p2 !== 0x80) return { sw: SW.REF_NOT_FOUND };
    if (cmd.data.length !== 16) return { sw: SW.WRONG_DATA };
    if (this.pukLeft === 0) return { sw: SW.BLOCKED };
    if (!timingSafeEqual(cmd.data.subarray(0, 8), this.puk)) {
      this.pukLeft--;
      return { sw: this.retriesStatus(this.pukLeft) };
    }
    const next = Buffer.from(cmd.data.subarray(8));
    if (!validReference(next) || this.pinFormatRefused(next)) return { sw: SW.WRONG_DATA };
    this.pukLeft = this.pukMax;
    this.pin = next;
    this.pinLeft = this.pinMax;
    return { sw: SW.OK };
  }

  /** GENERATE ASYMMETRIC KEY PAIR (Part 2 §3.3.2): AC { 80 alg, AA pin policy, AB touch policy }. */
  private generateKey(cmd: ParsedCommand): CardReply {
    if (cmd.p1 !== 0) return { sw: SW.WRONG_P1P2 };
    if (!this.mgmAuthenticated) return { sw: SW.SECURITY };
    if (SLOT_OBJECT[cmd.p2] === undefined) return { sw: SW.NOT_FOUND };
    const crt = tlvFind(tlvDecode(cmd.data), 0xac);
    if (!crt) return { sw: SW.WRONG_DATA };
    const inner = tlvDecode(crt);
    const algId = tlvFind(inner, 0x80)?.[0];
    const algorithm = algId === undefined ? undefined : algorithmOfId(algId);
    if (!algorithm || (algorithm === 'ed25519' && !this.yubikey)) return { sw: SW.WRONG_DATA };
    const key = SimKey.generate(algorithm);
    const pin = tlvFind(inner, 0xaa)?.[0] ?? 0;
    const touch = tlvFind(inner, 0xab)?.[0] ?? 0;
    this.slots.set(cmd.p2, {
      key, origin: 1,
      pinPolicy: (pin >= 1 && pin <= 3 ? pin : defaultPinPolicy(cmd.p2)) as 1 | 2 | 3,
      touchPolicy: (touch >= 1 && touch <= 3 ? touch : 1) as 1 | 2 | 3,
    });
    return { data: tlv(0x7f49, publicKeyTemplate(key)), sw: SW.OK };
  }

  /** YubiKey GET METADATA (INS F7, firmware 5.3+). */
  private metadata(cmd: ParsedCommand): CardReply {
    if (cmd.p1 !== 0) return { sw: SW.WRONG_P1P2 };
    if (cmd.p2 === 0x80 || cmd.p2 === 0x81) {
      const isPin = cmd.p2 === 0x80;
      const isDefault = isPin ? this.pin.equals(padRef('123456')) : this.puk.equals(padRef('12345678'));
      return {
        data: Buffer.concat([tlv(0x01, Buffer.from([0xff])), tlv(0x05, Buffer.from([isDefault ? 1 : 0])),
          tlv(0x06, Buffer.from(isPin ? [this.pinMax, this.pinLeft] : [this.pukMax, this.pukLeft]))]),
        sw: SW.OK,
      };
    }
    if (cmd.p2 === 0x9b) {
      return {
        data: Buffer.concat([tlv(0x01, Buffer.from([this.managementKey.algorithm])), tlv(0x02, Buffer.from([0, 1])),
          tlv(0x05, Buffer.from([this.managementKey.key.equals(DEFAULT_MANAGEMENT_KEY) ? 1 : 0]))]),
        sw: SW.OK,
      };
    }
    const slot = this.slots.get(cmd.p2);
    if (!slot) return { sw: SW.NOT_FOUND };
    return {
      data: Buffer.concat([
        tlv(0x01, Buffer.from([PIV_ALG_ID[slot.key.algorithm]])),
        tlv(0x02, Buffer.from([slot.pinPolicy, slot.touchPolicy])),
        tlv(0x03, Buffer.from([slot.origin])),
        tlv(0x04, publicKeyTemplate(slot.key)),
      ]),
      sw: SW.OK,
    };
  }
}

function validReference(b: Buffer): boolean {
  const end = b.indexOf(0xff);
  const len = end === -1 ? 8 : end;
  return len >= 6 && b.subarray(len).every((x) => x === 0xff);
}

/** 81 modulus 82 exponent, or 86 point (Part 2 Table 11). */
export function publicKeyTemplate(key: SimKey): Buffer {
  const parts = key.publicParts();
  return 'n' in parts ? Buffer.concat([tlv(0x81, parts.n), tlv(0x82, parts.e)]) : tlv(0x86, parts.point);
}

export type { SimAlgorithm };
