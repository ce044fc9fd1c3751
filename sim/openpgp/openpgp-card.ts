// A simulated OpenPGP card, application version 3.4 (Functional Specification of the
// OpenPGP application on ISO smart card operating systems, 3.4.1): the data objects
// clients read, PW1/PW3, GENERATE ASYMMETRIC KEY PAIR, INTERNAL AUTHENTICATE, PSO:CDS
// and the cardholder certificates (DO 7F21, one occurrence per key, SELECT DATA).
import { timingSafeEqual, createHash } from 'node:crypto';
import {
  ATR_OPENPGP, SW, SimKey, SimTlvError, VirtualCardBase, tlv, tlvDecode, tlvFind,
  type CardReply, type ParsedCommand, type SimAlgorithm,
} from '../piv/index.ts';

export const OPENPGP_RID_PIX = Buffer.from('d27600012401', 'hex');
export type OpenPgpRole = 'sig' | 'dec' | 'aut';
const ROLE_BY_CRT: Record<number, OpenPgpRole> = { 0xb6: 'sig', 0xb8: 'dec', 0xa4: 'aut' };
/** DO 7F21 occurrences: 0 AUT, 1 DEC, 2 SIG (§7.2.5). */
const ROLE_BY_OCCURRENCE: readonly OpenPgpRole[] = ['aut', 'dec', 'sig'];

/** Algorithm attributes (§4.4.3.9). */
function algorithmAttributes(a: SimAlgorithm): Buffer {
  switch (a) {
    case 'p-256': return Buffer.from('132a8648ce3d030107', 'hex');
    case 'p-384': return Buffer.from('132b81040022', 'hex');
    case 'ed25519': return Buffer.from('162b06010401da470f01', 'hex');
    default: {
      const b = Buffer.from([0x01, 0, 0, 0x00, 0x20, 0x00]);
      b.writeUInt16BE(Number(a.slice(4)), 1);
      return b;
    }
  }
}

export interface OpenPgpCardOptions {
  readonly atr?: Uint8Array;
  readonly extendedLength?: boolean;
  readonly serial?: number;
  readonly pw1?: string;
  readonly pw3?: string;
  /** Behave as a YubiKey's OpenPGP applet of this firmware (manufacturer 0006, GET VERSION F1). */
  readonly yubikey?: readonly [number, number, number];
  /**
   * How VERIFY answers a wrong PIN (§7.2.2): '63cx' with the tries left (default), or '6982'
   * as gnuk, ykneo-openpgp >= 1.0.11 and Ledger do (GnuPG's SW_CHV_WRONG). A blocked PIN is 69 83 either way.
   */
  readonly wrongPinSw?: '63cx' | '6982';
  /**
   * How an empty VERIFY (the status query) is answered: '63cx' (default: 90 00, 63 Cx or 69 83),
   * or '6a80' whatever the state, as YubiKey 5 firmware checks the PIN length first (OpenSC #2565).
   */
  readonly emptyVerifySw?: '63cx' | '6a80';
  /**
   * User Interaction Flags (DOs D6/D7/D8, byte 1: 00 off, 01 on, 02 permanently on, YubiKey 03/04 cached), placed in
   * the discretionary data as YubiKeys do; with AUT's set, INTERNAL AUTHENTICATE waits for `touch()`.
   */
  readonly uif?: Partial<Record<OpenPgpRole, number>>;
  /** How long a "touch" takes. */
  readonly touchDelayMs?: number;
}

export class OpenPgpCard extends VirtualCardBase {
  readonly aid: Buffer;
  readonly keys: Partial<Record<OpenPgpRole, SimKey>> = {};
  readonly certificates: Partial<Record<OpenPgpRole, Buffer>> = {};
  private attributes: Record<OpenPgpRole, Buffer> = {
    sig: algorithmAttributes('rsa-2048'), dec: algorithmAttributes('rsa-2048'), aut: algorithmAttributes('rsa-2048'),
  };
  pw1: Buffer;
  pw3: Buffer;
  pw1Left = 3;
  pw3Left = 3;
  selected = false;
  pw1Sign = false;
  pw1Other = false;
  pw3Verified = false;
  occurrence: OpenPgpRole = 'aut';
  signatures = 0;
  /** Touches the card waited for. */
  touches = 0;
  readonly uif: Partial<Record<OpenPgpRole, number>>;
  private readonly touchDelayMs: number;
  readonly yubikey: readonly [number, number, number] | undefined;
  private readonly wrongPinSw: '63cx' | '6982';
  private readonly emptyVerifySw: '63cx' | '6a80';

  constructor(options: OpenPgpCardOptions = {}) {
    super({ atr: options.atr ?? ATR_OPENPGP, extendedLength: options.extendedLength ?? true });
    this.wrongPinSw = options.wrongPinSw ?? '63cx';
    this.emptyVerifySw = options.emptyVerifySw ?? '63cx';
    this.uif = { ...options.uif };
    this.touchDelayMs = options.touchDelayMs ?? 50;
    const serial = Buffer.alloc(4);
    serial.writeUInt32BE(options.serial ?? 0x00c0ffee);
    // AID (§4.2.1): RID+PIX, version 03 04, manufacturer FF FE (test), serial, RFU 00 00.
    this.yubikey = options.yubikey;
    const manufacturer = this.yubikey ? [0x00, 0x06] : [0xff, 0xfe];
    this.aid = Buffer.concat([OPENPGP_RID_PIX, Buffer.from([0x03, 0x04, ...manufacturer]), serial, Buffer.from([0, 0])]);
    this.pw1 = Buffer.from(options.pw1 ?? '123456');
    this.pw3 = Buffer.from(options.pw3 ?? '12345678');
  }

  protected onReset(): void {
    this.selected = false;
    this.pw1Sign = this.pw1Other = this.pw3Verified = false;
    this.occurrence = 'aut';
  }

  setKey(role: OpenPgpRole, key: SimKey): void {
    this.keys[role] = key;
    this.attributes[role] = algorithmAttributes(key.algorithm);
  }

  /** Sets a slot's algorithm attributes as they are (§4.4.3.9), e.g. one the client cannot use. */
  setAttributes(role: OpenPgpRole, attributes: Uint8Array): void {
    this.attributes[role] = Buffer.from(attributes);
  }

  setCertificate(role: OpenPgpRole, der: Uint8Array): void {
    this.certificates[role] = Buffer.from(der);
  }

  private fingerprint(role: OpenPgpRole): Buffer {
    const key = this.keys[role];
    return key ? createHash('sha1').update(key.spki()).digest() : Buffer.alloc(20);
  }

  /** Application related data, DO 6E (§4.4.3.1). */
  private applicationData(): Buffer {
    const roles: OpenPgpRole[] = ['sig', 'dec', 'aut'];
    const lengthInfo = this.extendedLength ? [tlv(0x7f66, tlv(0x02, Buffer.from([0x08, 0x00])), tlv(0x02, Buffer.from([0x08, 0x00])))] : [];
    return tlv(0x6e,
      tlv(0x4f, this.aid),
      tlv(0x5f52, Buffer.from('0031c573c00140059000', 'hex')),
      ...lengthInfo,
      tlv(0x73,
        // Extended capabilities (§4.4.3.7): SM no, GET CHALLENGE, key import, PW status change, private DOs, ... cert max 0800.
        tlv(0xc0, Buffer.from([0x7d, 0x00, 0x0b, 0xfe, 0x08, 0x00, 0x00, 0xff, 0x00, 0x00])),
        tlv(0xc1, this.attributes.sig), tlv(0xc2, this.attributes.dec), tlv(0xc3, this.attributes.aut),
        tlv(0xc4, this.pwStatus()),
        tlv(0xc5, Buffer.concat(roles.map((r) => this.fingerprint(r)))),
        tlv(0xc6, Buffer.alloc(60)),
        tlv(0xcd, Buffer.alloc(12)),
        tlv(0xde, Buffer.from([1, this.keys.sig ? 2 : 0, 2, this.keys.dec ? 2 : 0, 3, this.keys.aut ? 2 : 0])),
        ...([[0xd6, 'sig'], [0xd7, 'dec'], [0xd8, 'aut']] as const).flatMap(([tag, role]) => {
          const flag = this.uif[role];
          // Byte 2: 20, the button (the feature General Feature Management, DO 7F74, announces).
          return flag === undefined ? [] : [tlv(tag, Buffer.from([flag, 0x20]))];
        }),
      ));
  }

  /** PW status bytes (§4.4.3.8): PW1 valid once for PSO:CDS, max lengths, retry counters. */
  private pwStatus(): Buffer {
    return Buffer.from([0x00, 0x7f, 0x7f, 0x7f, this.pw1Left, 0x00, this.pw3Left]);
  }

  protected async process(cmd: ParsedCommand): Promise<CardReply> {
    try {
      if (cmd.cla !== 0) return { sw: SW.CLA_NOT_SUPPORTED };
      if (cmd.ins === 0xa4) return this.select(cmd);
      if (!this.selected) return { sw: SW.INS_NOT_SUPPORTED };
      switch (cmd.ins) {
        case 0xca: return this.getData(cmd);
        case 0xa5: return this.selectData(cmd);
        case 0x20: return this.verify(cmd);
        case 0x47: return this.generate(cmd);
        case 0x88: return this.internalAuthenticate(cmd);
        case 0x2a: return this.pso(cmd);
        case 0xda: return this.putData(cmd);
        case 0xf1: {
          // YubiKey GET VERSION: the firmware version in BCD.
          if (!this.yubikey) return { sw: SW.INS_NOT_SUPPORTED };
          const bcd = (n: number) => ((Math.floor(n / 10) << 4) | (n % 10));
          return { data: Buffer.from(this.yubikey.map(bcd)), sw: SW.OK };
        }
        default: return { sw: SW.INS_NOT_SUPPORTED };
      }
    } catch (err) {
      if (err instanceof SimTlvError) return { sw: SW.WRONG_DATA };
      throw err;
    }
  }

  private select(cmd: ParsedCommand): CardReply {
    if (cmd.p1 !== 0x04) return { sw: SW.WRONG_P1P2 };
    if (cmd.data.length < 6 || !this.aid.subarray(0, cmd.data.length).equals(cmd.data)) return { sw: SW.NOT_FOUND };
    this.selected = true;
    return { sw: SW.OK };
  }

  /** GET DATA (§7.2.6). */
  private getData(cmd: ParsedCommand): CardReply {
    const tag = (cmd.p1 << 8) | cmd.p2;
    const ok = (data: Buffer): CardReply => ({ data, sw: SW.OK });
    switch (tag) {
      case 0x6e: return ok(this.applicationData());
      case 0x4f: return ok(this.aid);
      case 0x5f52: return ok(Buffer.from('0031c573c00140059000', 'hex'));
      case 0xc4: return ok(this.pwStatus());
      case 0x5e: return ok(Buffer.alloc(0));
      case 0x65: return ok(Buffer.concat([tlv(0x5b, Buffer.from('Test<<User')), tlv(0x5f2d, Buffer.from('en')), tlv(0x5f35, Buffer.from('9'))]));
      case 0x5f50: return ok(Buffer.alloc(0));
      case 0x7a: return ok(tlv(0x93, Buffer.from([0, (this.signatures >> 8) & 0xff, this.signatures & 0xff])));
      case 0x7f21: {
        // The value is the DER certificate itself, as YubiKeys and yubikit store it.
        return ok(this.certificates[this.occurrence] ?? Buffer.alloc(0));
      }
      case 0x7f74: return ok(tlv(0x81, Buffer.from([0x00])));
      default: return { sw: SW.NOT_FOUND };
    }
  }

  /** SELECT DATA (§7.2.5): P1 = occurrence, P2 = 04, data 60 { 5C 02 7F 21 }. */
  private selectData(cmd: ParsedCommand): CardReply {
    if (cmd.p2 !== 0x04) return { sw: SW.WRONG_P1P2 };
    let data = cmd.data;
    if (this.yubikey && olderThan(this.yubikey, [5, 4, 4])) {
      // YubiKey firmware up to 5.4.3 wants an extra length byte 06 before the 60 template.
      if (data[0] !== 0x06) return { sw: SW.WRONG_DATA };
      data = data.subarray(1);
    }
    const outer = tlvFind(tlvDecode(data), 0x60);
    const tag = outer && tlvFind(tlvDecode(outer), 0x5c);
    if (!tag || !tag.equals(Buffer.from([0x7f, 0x21]))) return { sw: SW.WRONG_DATA };
    const role = ROLE_BY_OCCURRENCE[cmd.p1];
    if (!role) return { sw: SW.NOT_FOUND };
    this.occurrence = role;
    return { sw: SW.OK };
  }

  /** VERIFY (§7.2.2): 81 PW1 for PSO:CDS, 82 PW1 for other operations, 83 PW3. */
  private verify(cmd: ParsedCommand): CardReply {
    if (cmd.p1 === 0xff) {
      if (cmd.p2 === 0x83) this.pw3Verified = false; else { this.pw1Sign = false; this.pw1Other = false; }
      return { sw: SW.OK };
    }
    if (cmd.p1 !== 0 || cmd.p2 < 0x81 || cmd.p2 > 0x83) return { sw: SW.WRONG_P1P2 };
    const admin = cmd.p2 === 0x83;
    const left = admin ? this.pw3Left : this.pw1Left;
    const verified = admin ? this.pw3Verified : cmd.p2 === 0x81 ? this.pw1Sign : this.pw1Other;
    if (cmd.data.length === 0) {
      if (this.emptyVerifySw === '6a80') return { sw: SW.WRONG_DATA };
      return { sw: verified ? SW.OK : left === 0 ? SW.BLOCKED : 0x63c0 | left };
    }
    if (left === 0) return { sw: SW.BLOCKED };
    const ref = admin ? this.pw3 : this.pw1;
    if (cmd.data.length !== ref.length || !timingSafeEqual(cmd.data, ref)) {
      if (admin) this.pw3Left--; else this.pw1Left--;
      if (this.wrongPinSw === '6982') return { sw: SW.SECURITY };
      return { sw: left - 1 === 0 ? SW.BLOCKED : 0x63c0 | (left - 1) };
    }
    if (admin) { this.pw3Left = 3; this.pw3Verified = true; }
    else { this.pw1Left = 3; if (cmd.p2 === 0x81) this.pw1Sign = true; else this.pw1Other = true; }
    return { sw: SW.OK };
  }

  /** GENERATE ASYMMETRIC KEY PAIR (§7.2.14): P1 80 generate (PW3), 81 read the public key. */
  private generate(cmd: ParsedCommand): CardReply {
    if (cmd.p2 !== 0 || cmd.data.length < 1) return { sw: SW.WRONG_P1P2 };
    const role = ROLE_BY_CRT[cmd.data[0]!];
    if (!role) return { sw: SW.WRONG_DATA };
    if (cmd.p1 === 0x80) {
      if (!this.pw3Verified) return { sw: SW.SECURITY };
      const attrs = this.attributes[role];
      const alg: SimAlgorithm = attrs[0] === 0x01 ? (`rsa-${attrs.readUInt16BE(1)}` as SimAlgorithm)
        : attrs.equals(algorithmAttributes('p-256')) ? 'p-256' : attrs.equals(algorithmAttributes('p-384')) ? 'p-384' : 'ed25519';
      this.keys[role] = SimKey.generate(alg);
    } else if (cmd.p1 !== 0x81) {
      return { sw: SW.WRONG_P1P2 };
    }
    const key = this.keys[role];
    if (!key) return { sw: SW.NOT_FOUND };
    const parts = key.publicParts();
    return { data: tlv(0x7f49, 'n' in parts ? Buffer.concat([tlv(0x81, parts.n), tlv(0x82, parts.e)]) : tlv(0x86, parts.point)), sw: SW.OK };
  }

  private signWith(key: SimKey, input: Buffer): Buffer | undefined {
    if (key.isRsa) return input.length <= key.modulusBytes - 11 ? key.rsaPkcs1(input) : undefined;
    if (key.algorithm === 'ed25519') return key.ed25519(input);
    return input.length > 0 && input.length <= 64 ? key.ecdsa(input, 'raw') : undefined;
  }

  /** Waits for the simulated touch of the card's button (a test may replace it to press when it chooses). */
  async touch(): Promise<void> {
    this.touches++;
    await this.wait(this.touchDelayMs);
  }

  /** INTERNAL AUTHENTICATE (§7.2.13) with the authentication key; needs PW1 (82), and a touch when UIF-AUT is on. */
  private async internalAuthenticate(cmd: ParsedCommand): Promise<CardReply> {
    if (cmd.p1 !== 0 || cmd.p2 !== 0) return { sw: SW.WRONG_P1P2 };
    if (!this.pw1Other) return { sw: SW.SECURITY };
    const key = this.keys.aut;
    if (!key) return { sw: SW.NOT_FOUND };
    if ((this.uif.aut ?? 0) !== 0) await this.touch();
    const sig = this.signWith(key, cmd.data);
    return sig ? { data: sig, sw: SW.OK } : { sw: SW.WRONG_DATA };
  }

  /** PSO: COMPUTE DIGITAL SIGNATURE (§7.2.10) with the signature key; PW1 (81) valid once. */
  private pso(cmd: ParsedCommand): CardReply {
    if (cmd.p1 !== 0x9e || cmd.p2 !== 0x9a) return { sw: SW.WRONG_P1P2 };
    if (!this.pw1Sign) return { sw: SW.SECURITY };
    const key = this.keys.sig;
    if (!key) return { sw: SW.NOT_FOUND };
    this.pw1Sign = false;
    const sig = this.signWith(key, cmd.data);
    if (!sig) return { sw: SW.WRONG_DATA };
    this.signatures++;
    return { data: sig, sw: SW.OK };
  }

  /** PUT DATA (§7.2.8) of the current cardholder certificate; needs PW3. */
  private putData(cmd: ParsedCommand): CardReply {
    if (!this.pw3Verified) return { sw: SW.SECURITY };
    if (((cmd.p1 << 8) | cmd.p2) !== 0x7f21) return { sw: SW.NOT_FOUND };
    this.certificates[this.occurrence] = Buffer.from(cmd.data);
    return { sw: SW.OK };
  }
}

function olderThan(v: readonly number[], than: readonly number[]): boolean {
  for (let i = 0; i < 3; i++) if (v[i] !== than[i]) return v[i]! < than[i]!;
  return false;
}
