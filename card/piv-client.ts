// PIV Card Application client (SP 800-73-4 Part 2 §3): SELECT, GET DATA, VERIFY and
// GENERAL AUTHENTICATE, with the lengths handled by CardChannel.
import { concatBytes } from './apdu.ts';
import { CardChannel, type ApduTransport, type ChannelOptions } from './channel.ts';
import { CardInputError, MalformedResponseError, PinBlockedError, PinIncorrectError, statusError } from './errors.ts';
import { emsaPkcs1v15, HASH_LENGTH } from './pkcs1.ts';
import { isRsa, rsaModulusBytes, type HashName, type KeyAlgorithm } from './key-algorithm.ts';
import { parseCertificateContainer, type CertificateContainer } from './piv-certificate.ts';
import {
  certificateObject, OBJ_CCC, OBJ_CHUID, OBJ_DISCOVERY, OBJ_KEY_HISTORY, PIN_REFERENCE, PIV_AID, PIV_ALGORITHM,
  type PivSlot,
} from './piv-objects.ts';
import { encodeTlv, findTlv, parseTlvs, requireTlv, unwrapTlv } from './tlv.ts';

export interface PivApplication {
  /** The application identifier (tag 4F), normally the PIX 00 00 10 00 01 00. */
  readonly aid: Uint8Array;
  readonly label?: string;
  readonly algorithms: readonly number[];
}

export interface PivDiscovery {
  readonly aid: Uint8Array;
  /** PIN usage policy (tag 5F2F, Part 1 §3.3.2): byte 1 bits 0x40 PIV PIN, 0x20 global PIN, 0x10 OCC. */
  readonly pinPolicy: Uint8Array;
}

export interface PivChuid {
  readonly fascn?: Uint8Array;
  readonly guid?: Uint8Array;
  readonly expiration?: string;
}

export interface PivKeyHistory {
  readonly onCardCertificates: number;
  readonly offCardCertificates: number;
}

export interface PinStatus {
  readonly verified: boolean;
  /** Attempts left; undefined when the card does not tell (PIN already verified). */
  readonly retriesLeft?: number;
  readonly blocked: boolean;
}

export class PivClient {
  readonly channel: CardChannel;
  constructor(transport: ApduTransport | CardChannel, options: ChannelOptions = {}) {
    this.channel = transport instanceof CardChannel ? transport : new CardChannel(transport, options);
  }

  /** SELECT the PIV application by its AID (Part 2 §3.1.1); answers the template 61. */
  async select(): Promise<PivApplication> {
    const data = await this.channel.call({ cla: 0, ins: 0xa4, p1: 0x04, p2: 0x00, data: PIV_AID, le: 256 });
    if (data.length === 0) return { aid: PIV_AID, algorithms: [] };
    const tlvs = parseTlvs(unwrapTlv(data, 0x61, 'application property template'));
    const aid = findTlv(tlvs, 0x4f) ?? PIV_AID;
    const label = findTlv(tlvs, 0x50);
    const ac = findTlv(tlvs, 0xac);
    const algorithms = ac ? parseTlvs(ac).filter((t) => t.tag === 0x80 && t.value.length === 1).map((t) => t.value[0]!) : [];
    return { aid: aid.slice(), algorithms, ...(label ? { label: new TextDecoder().decode(label) } : {}) };
  }

  /** GET DATA (Part 2 §3.1.2): 00 CB 3F FF 5C <id>. Returns the content of tag 53 (or 7E). */
  async getData(objectId: number): Promise<Uint8Array> {
    const id = objectId === OBJ_DISCOVERY ? Uint8Array.of(0x7e) : Uint8Array.of(objectId >> 16, (objectId >> 8) & 0xff, objectId & 0xff);
    const data = await this.channel.call({ cla: 0, ins: 0xcb, p1: 0x3f, p2: 0xff, data: encodeTlv(0x5c, id), le: this.channel.extended ? 65536 : 256 });
    return unwrapTlv(data, objectId === OBJ_DISCOVERY ? 0x7e : 0x53, `data object ${objectId.toString(16).toUpperCase()}`);
  }

  /** Like getData, but undefined when the object is absent (6A 82). */
  async getDataIfPresent(objectId: number): Promise<Uint8Array | undefined> {
    try {
      return await this.getData(objectId);
    } catch (err) {
      if (err instanceof Error && 'code' in err && err.code === 'FILE_NOT_FOUND') return undefined;
      throw err;
    }
  }

  /** The Discovery Object (Part 1 §3.3.2), read as OpenSC reads it: GET DATA 5C 01 7E. */
  async readDiscovery(): Promise<PivDiscovery | undefined> {
    const v = await this.getDataIfPresent(OBJ_DISCOVERY);
    if (!v) return undefined;
    const tlvs = parseTlvs(v);
    return { aid: requireTlv(tlvs, 0x4f, 'discovery object').slice(), pinPolicy: (findTlv(tlvs, 0x5f2f) ?? new Uint8Array(0)).slice() };
  }

  /** Card Holder Unique Identifier (Part 1 §3.1.2): 30 FASC-N, 34 GUID, 35 expiration. */
  async readChuid(): Promise<PivChuid | undefined> {
    const v = await this.getDataIfPresent(OBJ_CHUID);
    if (!v) return undefined;
    const tlvs = parseTlvs(v);
    const fascn = findTlv(tlvs, 0x30), guid = findTlv(tlvs, 0x34), exp = findTlv(tlvs, 0x35);
    return { ...(fascn ? { fascn: fascn.slice() } : {}), ...(guid ? { guid: guid.slice() } : {}), ...(exp ? { expiration: new TextDecoder().decode(exp) } : {}) };
  }

  /** Card Capability Container (Part 1 §3.1.1): returned as its TLV list. */
  async readCcc(): Promise<Uint8Array | undefined> {
    return this.getDataIfPresent(OBJ_CCC);
  }

  /** Key History Object (Part 1 §3.3.3): how many retired slots hold keys. */
  async readKeyHistory(): Promise<PivKeyHistory | undefined> {
    const v = await this.getDataIfPresent(OBJ_KEY_HISTORY);
    if (!v) return undefined;
    const tlvs = parseTlvs(v);
    return { onCardCertificates: findTlv(tlvs, 0xc1)?.[0] ?? 0, offCardCertificates: findTlv(tlvs, 0xc2)?.[0] ?? 0 };
  }

  /** The certificate of a key slot, decompressed; undefined when the slot has none. */
  async readCertificate(slot: PivSlot): Promise<CertificateContainer | undefined> {
    const v = await this.getDataIfPresent(certificateObject(slot));
    if (!v || v.length === 0) return undefined;
    return parseCertificateContainer(v);
  }

  /** An empty VERIFY (Part 2 §3.2.1): 90 00 if verified, else 63 Cx with the retries left. */
  async pinStatus(reference = PIN_REFERENCE): Promise<PinStatus> {
    const r = await this.channel.send({ cla: 0, ins: 0x20, p1: 0x00, p2: reference });
    if (r.sw === 0x9000) return { verified: true, blocked: false };
    const err = statusError(r.sw);
    if (err instanceof PinIncorrectError) return { verified: false, retriesLeft: err.retriesLeft, blocked: false };
    if (err instanceof PinBlockedError) return { verified: false, retriesLeft: 0, blocked: true };
    throw err;
  }

  /**
   * VERIFY (Part 2 §3.2.1): the PIN padded to 8 bytes with FF. Exactly one attempt:
   * throws PinIncorrectError (with retries left) or PinBlockedError, never retries.
   */
  async verifyPin(pin: string, reference = PIN_REFERENCE): Promise<void> {
    const bytes = new TextEncoder().encode(pin);
    if (bytes.length < 6 || bytes.length > 8) {
      bytes.fill(0);
      throw new CardInputError('A PIV PIN is 6 to 8 characters long');
    }
    const padded = new Uint8Array(8).fill(0xff);
    padded.set(bytes);
    let sw: number;
    try {
      sw = (await this.channel.send({ cla: 0, ins: 0x20, p1: 0x00, p2: reference, data: padded })).sw;
    } finally {
      bytes.fill(0);
      padded.fill(0);
    }
    if (sw === 0x9000) return;
    // 6A 80: the card refused the PIN's format before comparing it (Part 2 §2.4.3: digits, FF-padded), no try counted.
    if (sw === 0x6a80) throw new CardInputError('This card accepts only digits in its PIN (6 to 8); the PIN was not tried, no attempt was counted');
    throw statusError(sw);
  }

  /** GENERAL AUTHENTICATE (Part 2 §3.2.4): 7C { 82 00, 81 challenge } -> 7C { 82 response }. */
  async generalAuthenticate(algorithmId: number, slot: PivSlot, challenge: Uint8Array): Promise<Uint8Array> {
    const template = encodeTlv(0x7c, concatBytes([Uint8Array.of(0x82, 0x00), encodeTlv(0x81, challenge)]));
    const data = await this.channel.call({ cla: 0, ins: 0x87, p1: algorithmId, p2: slot, data: template, le: this.channel.extended ? 65536 : 256 });
    return requireTlv(parseTlvs(unwrapTlv(data, 0x7c, 'authentication response')), 0x82, 'authentication response').slice();
  }

  /**
   * Signs a digest with the key in `slot`. RSA: the host builds EMSA-PKCS1-v1_5 and
   * the card does raw RSA; ECDSA: hash in, DER signature out; Ed25519: the whole message.
   */
  async sign(slot: PivSlot, algorithm: KeyAlgorithm, input: Uint8Array, hash?: HashName): Promise<Uint8Array> {
    const id = PIV_ALGORITHM[algorithm];
    if (isRsa(algorithm)) {
      if (!hash) throw new CardInputError('RSA signing needs the hash name of the digest');
      const k = rsaModulusBytes(algorithm);
      const sig = await this.generalAuthenticate(id, slot, emsaPkcs1v15(hash, input, k));
      if (sig.length !== k) throw new MalformedResponseError(`The card's RSA signature is ${sig.length} bytes, expected ${k}`);
      return sig;
    }
    if (algorithm === 'ed25519') {
      const sig = await this.generalAuthenticate(id, slot, input);
      if (sig.length !== 64) throw new MalformedResponseError(`The card's Ed25519 signature is ${sig.length} bytes, expected 64`);
      return sig;
    }
    if (hash && input.length !== HASH_LENGTH[hash]) throw new CardInputError(`A ${hash} digest is ${HASH_LENGTH[hash]} bytes, got ${input.length}`);
    const sig = await this.generalAuthenticate(id, slot, fitToCurve(input, algorithm === 'p-256' ? 32 : 48));
    if (sig[0] !== 0x30) throw new MalformedResponseError('The card\'s ECDSA signature is not DER');
    return sig;
  }
}

/** ECDSA uses the leftmost bits of the hash (FIPS 186-4 §6.4): truncate, or left-pad with zeros. */
function fitToCurve(digest: Uint8Array, size: number): Uint8Array {
  if (digest.length >= size) return digest.subarray(0, size);
  const out = new Uint8Array(size);
  out.set(digest, size - digest.length);
  return out;
}
