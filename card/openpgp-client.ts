// OpenPGP card application client (Functional Specification of the OpenPGP application
// on ISO smart card operating systems, version 3.4): SELECT (§7.2.1), GET DATA 6E
// (§4.4.1), GENERATE ASYMMETRIC KEY PAIR read mode (§7.2.14), VERIFY PW1 82 (§7.2.2),
// INTERNAL AUTHENTICATE (§7.2.13), SELECT DATA and the cardholder certificate 7F21 (§7.2.5).
import { CardChannel, type ApduTransport, type ChannelOptions } from './channel.ts';
import { CardError, CardInputError, MalformedResponseError, PinBlockedError, PinIncorrectError, statusError, type StatusWordError } from './errors.ts';
import { ecSpki, ed25519Spki, rsaSpki } from './der.ts';
import type { KeyAlgorithm } from './key-algorithm.ts';
import type { PinState } from './card-key.ts';
import { parsePwStatus, type PwStatus } from './openpgp-pw-status.ts';
import { encodeTlv, findTlv, parseTlvs, readTlv, requireTlv, unwrapTlv } from './tlv.ts';

export const OPENPGP_AID = Uint8Array.of(0xd2, 0x76, 0x00, 0x01, 0x24, 0x01);

export type OpenPgpKeyRole = 'sig' | 'dec' | 'aut';
/** Control reference templates (§7.2.14). */
const CRT: Record<OpenPgpKeyRole, number> = { sig: 0xb6, dec: 0xb8, aut: 0xa4 };
/** User Interaction Flag DOs, in the discretionary data (as YubiKeys and yubikit place them). */
const UIF: Record<OpenPgpKeyRole, number> = { sig: 0xd6, dec: 0xd7, aut: 0xd8 };

export type OpenPgpTouch = 'never' | 'always' | 'cached';

function touchOf(uif: Uint8Array | undefined): OpenPgpTouch | undefined {
  if (!uif || uif.length === 0) return undefined;
  return uif[0] === 0x00 ? 'never' : uif[0] === 0x03 || uif[0] === 0x04 ? 'cached' : 'always';
}

/** Algorithm attribute tags in the discretionary data (§4.4.3.9). */
const ATTR: Record<OpenPgpKeyRole, number> = { sig: 0xc1, dec: 0xc2, aut: 0xc3 };

const HEX_P256 = '2a8648ce3d030107';
const HEX_P384 = '2b81040022';
const HEX_ED25519 = '2b06010401da470f01';

export interface OpenPgpApplication {
  /** Full AID (16 bytes: RID, version, manufacturer, serial). */
  readonly aid: Uint8Array;
  readonly version: string;
  readonly serial: string;
  readonly algorithms: Readonly<Record<OpenPgpKeyRole, KeyAlgorithm | undefined>>;
  /** PW status bytes (C4): PW1 retries left is byte 5. */
  readonly pw1RetriesLeft: number;
  /** PW status bytes (C4) byte 2: PW1's maximum length in bytes. */
  readonly pw1MaxLength: number;
  /** Whether each key slot holds a key: DO DE key information (3.3+), else a non-zero fingerprint in DO C5 (table of §4.4.1). */
  readonly keyPresent: Readonly<Record<OpenPgpKeyRole, boolean>>;
  /** The raw algorithm attributes of each key (§4.4.3.9), to name an algorithm Tessera cannot use. */
  readonly attributes: Readonly<Record<OpenPgpKeyRole, Uint8Array>>;
  /**
   * User Interaction Flag of each key (DOs D6 SIG, D7 DEC, D8 AUT, 3.3+; byte 1): 'always' when the card waits for
   * a touch of its button before it signs (01 on, 02 permanently on), 'cached' for YubiKey's 03/04 (one touch
   * covers 15 s, yubikit's UIF.CACHED), 'never' for 00; undefined when the card has no such DO.
   */
  readonly touch: Readonly<Record<OpenPgpKeyRole, OpenPgpTouch | undefined>>;
  readonly extendedLength: boolean;
  /** AID bytes 9-10 (§4.2.1): 0006 is Yubico. */
  readonly manufacturer: number;
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** Algorithm attributes (§4.4.3.9): 01 RSA n-bits e-bits format; 13 ECDSA OID; 16 EdDSA OID. */
export function parseAlgorithmAttributes(a: Uint8Array): KeyAlgorithm | undefined {
  if (a.length === 0) return undefined;
  if (a[0] === 0x01 && a.length >= 3) {
    const bits = (a[1]! << 8) | a[2]!;
    return [1024, 2048, 3072, 4096].includes(bits) ? (`rsa-${bits}` as KeyAlgorithm) : undefined;
  }
  // The OID may be followed by a 00/FF "import format" byte.
  const oid = a.subarray(1);
  const o = hex(oid), o2 = hex(oid.subarray(0, oid.length - 1));
  if (a[0] === 0x13) return o === HEX_P256 || o2 === HEX_P256 ? 'p-256' : o === HEX_P384 || o2 === HEX_P384 ? 'p-384' : undefined;
  if (a[0] === 0x16) return o === HEX_ED25519 || o2 === HEX_ED25519 ? 'ed25519' : undefined;
  return undefined;
}

/** Key references in DO DE (key information, table of §4.4.1): 01 SIG, 02 DEC, 03 AUT; fingerprints in C5 are 20 bytes each in that order. */
const KEY_REF: Record<OpenPgpKeyRole, number> = { sig: 1, dec: 2, aut: 3 };

/**
 * Whether a key slot holds a key. DO DE (key information, 3.3+) gives a status per key reference: 00 not present,
 * 01 generated, 02 imported. Older cards: a fingerprint of all zeros in DO C5 means no key (as GnuPG reads it).
 * A card that says neither is taken to hold the key; reading it then tells.
 */
function keyPresence(info: Uint8Array | undefined, fingerprints: Uint8Array | undefined): (role: OpenPgpKeyRole) => boolean {
  return (role) => {
    if (info) {
      for (let i = 0; i + 1 < info.length; i += 2) if (info[i] === KEY_REF[role]) return info[i + 1] !== 0;
    }
    if (fingerprints && fingerprints.length >= 60) {
      const at = (KEY_REF[role] - 1) * 20;
      return fingerprints.subarray(at, at + 20).some((b) => b !== 0);
    }
    return true;
  };
}

export class OpenPgpClient {
  readonly channel: CardChannel;
  /** Set for YubiKeys: firmware up to 5.4.3 needs a non-standard SELECT DATA (see readCertificate). */
  yubikeyVersion: readonly [number, number, number] | undefined;
  /**
   * This client's own VERIFY PW1 (82) was accepted and nothing since showed the card lost it: GnuPG's did_chv2
   * (scd/app-openpgp.c verify_chv2). Stands in for the card's answer when it cannot answer the empty VERIFY.
   */
  private pw1Verified = false;
  constructor(transport: ApduTransport | CardChannel, options: ChannelOptions = {}) {
    this.channel = transport instanceof CardChannel ? transport : new CardChannel(transport, options);
  }

  async select(): Promise<void> {
    this.pw1Verified = false;
    await this.channel.call({ cla: 0, ins: 0xa4, p1: 0x04, p2: 0x00, data: OPENPGP_AID });
  }

  /** GET DATA (§7.2.6): 00 CA <tag>. */
  async getData(tag: number): Promise<Uint8Array> {
    return this.channel.call({ cla: 0, ins: 0xca, p1: tag >> 8, p2: tag & 0xff, le: this.channel.extended ? 65536 : 256 });
  }

  /** Application related data, DO 6E (§4.4.1). */
  async applicationData(): Promise<OpenPgpApplication> {
    const top = unwrapTlv(await this.getData(0x6e), 0x6e, 'application related data');
    const tlvs = parseTlvs(top);
    const aid = requireTlv(tlvs, 0x4f, 'application related data');
    if (aid.length !== 16) throw new MalformedResponseError('The OpenPGP AID is not 16 bytes');
    // Discretionary data objects (73); cards before 3.0 (YubiKey NEO among them) put them directly in 6E, as yubikit reads.
    const discretionary = findTlv(tlvs, 0x73);
    const disc = discretionary ? parseTlvs(discretionary) : tlvs;
    const raw = (role: OpenPgpKeyRole) => (findTlv(disc, ATTR[role]) ?? new Uint8Array(0)).slice();
    const attr = (role: OpenPgpKeyRole) => parseAlgorithmAttributes(raw(role));
    const pw = parsePwStatus(requireTlv(disc, 0xc4, 'application related data'));
    const caps = findTlv(tlvs, 0x7f66);
    const present = keyPresence(findTlv(disc, 0xde), findTlv(disc, 0xc5));
    return {
      aid: aid.slice(),
      version: `${aid[6]}.${aid[7]}`,
      serial: hex(aid.subarray(10, 14)).toUpperCase(),
      algorithms: { sig: attr('sig'), dec: attr('dec'), aut: attr('aut') },
      pw1RetriesLeft: pw.pw1RetriesLeft,
      pw1MaxLength: pw.pw1MaxLength,
      keyPresent: { sig: present('sig'), dec: present('dec'), aut: present('aut') },
      attributes: { sig: raw('sig'), dec: raw('dec'), aut: raw('aut') },
      touch: { sig: touchOf(findTlv(disc, UIF.sig)), dec: touchOf(findTlv(disc, UIF.dec)), aut: touchOf(findTlv(disc, UIF.aut)) },
      extendedLength: caps !== undefined,
      manufacturer: (aid[8]! << 8) | aid[9]!,
    };
  }

  /** YubiKey GET VERSION (INS F1): the firmware version, BCD-coded. */
  async getYubiKeyVersion(): Promise<readonly [number, number, number]> {
    const d = await this.channel.call({ cla: 0, ins: 0xf1, p1: 0, p2: 0, le: 256 });
    if (d.length !== 3) throw new MalformedResponseError(`The YubiKey version answer is ${d.length} bytes, expected 3`);
    const bcd = (b: number) => (b >> 4) * 10 + (b & 0x0f);
    return [bcd(d[0]!), bcd(d[1]!), bcd(d[2]!)];
  }

  /** GENERATE ASYMMETRIC KEY PAIR in read mode (P1 81): the public key as SPKI. */
  async readPublicKey(role: OpenPgpKeyRole, algorithm: KeyAlgorithm): Promise<Uint8Array> {
    const data = await this.channel.call({ cla: 0, ins: 0x47, p1: 0x81, p2: 0x00, data: Uint8Array.of(CRT[role], 0x00), le: this.channel.extended ? 65536 : 256 });
    const tlvs = parseTlvs(unwrapTlv(data, 0x7f49, 'public key'));
    if (algorithm.startsWith('rsa-')) return rsaSpki(requireTlv(tlvs, 0x81, 'RSA public key'), requireTlv(tlvs, 0x82, 'RSA public key'));
    const point = requireTlv(tlvs, 0x86, 'public key');
    if (algorithm === 'ed25519') return ed25519Spki(point);
    return ecSpki(algorithm === 'p-256' ? 'P-256' : 'P-384', point);
  }

  /** The cardholder certificate of a key (DO 7F21): SELECT DATA of the occurrence, then GET DATA. */
  async readCertificate(role: OpenPgpKeyRole = 'aut'): Promise<Uint8Array | undefined> {
    const occurrence = role === 'aut' ? 0 : role === 'dec' ? 1 : 2;
    try {
      let select = encodeTlv(0x60, encodeTlv(0x5c, Uint8Array.of(0x7f, 0x21)));
      // YubiKey firmware up to 5.4.3 expects an extra leading length byte (as yubikit sends).
      const v = this.yubikeyVersion;
      if (v && (v[0] < 5 || (v[0] === 5 && (v[1] < 4 || (v[1] === 4 && v[2] <= 3))))) select = Uint8Array.from([select.length, ...select]);
      await this.channel.call({ cla: 0, ins: 0xa5, p1: occurrence, p2: 0x04, data: select });
      const data = await this.getData(0x7f21);
      if (data.length === 0) return undefined;
      // Cards answer the DER certificate itself; some wrap it in its tag 7F21.
      const cert = data[0] === 0x7f && data[1] === 0x21 ? unwrapTlv(data, 0x7f21, 'cardholder certificate') : data;
      if (cert.length === 0) return undefined;
      if (readTlv(cert, 0).tlv.tag !== 0x30) throw new MalformedResponseError('The cardholder certificate is not DER');
      return cert.slice();
    } catch (err) {
      if (err instanceof CardError && (err.code === 'FILE_NOT_FOUND' || err.code === 'NOT_SUPPORTED_BY_CARD' || err.code === 'INCORRECT_PARAMETERS')) return undefined;
      throw err;
    }
  }

  /** PW status bytes, DO C4 (GET DATA 00 CA 00 C4): the retry counters the card keeps. */
  async pwStatus(): Promise<PwStatus> {
    return parsePwStatus(await this.getData(0xc4));
  }

  /**
   * An empty VERIFY for PW1 (82), §7.2.2: 90 00 when verified, 63 Cx with the retries left.
   * Cards that do not answer the query that way (YubiKey 5: 6A 80 whatever the state, OpenSC
   * #2565; others 69 82, 67 00, 6B 00, 6D 00) are verified when this client's own VERIFY was
   * accepted and nothing since showed otherwise, as GnuPG keeps it; DO C4 gives the retries left.
   */
  async pinStatus(): Promise<PinState> {
    const r = await this.channel.send({ cla: 0, ins: 0x20, p1: 0, p2: 0x82 });
    if (r.sw === 0x9000) return { verified: true, blocked: false };
    const err = statusError(r.sw);
    if (err instanceof PinIncorrectError || err instanceof PinBlockedError) this.pw1Verified = false;
    if (err instanceof PinIncorrectError) return { verified: false, retriesLeft: err.retriesLeft, blocked: false };
    if (err instanceof PinBlockedError) return { verified: false, retriesLeft: 0, blocked: true };
    const left = await this.pw1RetriesOr(err);
    if (left === 0) this.pw1Verified = false;
    return { verified: this.pw1Verified, retriesLeft: left, blocked: left === 0 };
  }

  /**
   * VERIFY PW1 in mode 82 (authentication and decryption). One attempt only. A wrong PIN is
   * 63 Cx on some cards and 69 82 on others (GnuPG's SW_CHV_WRONG: gnuk, ykneo-openpgp,
   * Ledger); on 69 82 the retries left come from DO C4, as GnuPG and yubikit read them.
   */
  async verifyPin(pin: string): Promise<void> {
    const bytes = new TextEncoder().encode(pin);
    if (bytes.length < 6 || bytes.length > 127) {
      bytes.fill(0);
      throw new CardInputError('An OpenPGP card PIN is at least 6 characters long');
    }
    let sw: number;
    // Whatever the outcome of this attempt, an earlier verification no longer counts until it succeeds.
    this.pw1Verified = false;
    try {
      sw = (await this.channel.send({ cla: 0, ins: 0x20, p1: 0, p2: 0x82, data: bytes })).sw;
    } finally {
      bytes.fill(0);
    }
    if (sw === 0x9000) {
      this.pw1Verified = true;
      return;
    }
    const err = statusError(sw);
    if (sw !== 0x6982) throw err;
    const left = await this.pw1RetriesOr(err);
    throw left === 0 ? new PinBlockedError(sw) : new PinIncorrectError(sw, left);
  }

  /** PW1's retry counter from DO C4; when the card cannot say, the VERIFY answer's own error. */
  private async pw1RetriesOr(original: StatusWordError): Promise<number> {
    try {
      return (await this.pwStatus()).pw1RetriesLeft;
    } catch (err) {
      if (err instanceof CardError && err.code === 'CARD_TRANSPORT') throw err;
      throw original;
    }
  }

  /** INTERNAL AUTHENTICATE (§7.2.13): DigestInfo (RSA), hash (ECDSA: raw r||s back) or message (EdDSA). */
  async internalAuthenticate(input: Uint8Array): Promise<Uint8Array> {
    const r = await this.channel.send({ cla: 0, ins: 0x88, p1: 0, p2: 0, data: input, le: this.channel.extended ? 65536 : 256 });
    if (r.sw === 0x9000) return r.data;
    // 69 82: the card no longer holds PW1 (82) as verified (reset, logout), whatever this client saw.
    if (r.sw === 0x6982) this.pw1Verified = false;
    throw statusError(r.sw);
  }
}
