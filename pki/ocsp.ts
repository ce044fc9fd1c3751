/** OCSP responses (RFC 6960): parsing, responder authorization (§4.2.2.2), CertID match, freshness, nonce. */
import * as ocsp from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as x from '@peculiar/asn1-x509';
import { ab, bytesEqual, serialKey, u8 } from './bytes.ts';
import type { AlgorithmId, Certificate } from './certificate.ts';
import { algorithmId, label, parseCertificate } from './certificate.ts';
import type { Tlv } from './der.ts';
import { children, octetBitString, readTlv, topSequence, whole } from './der.ts';
import { PkiParseError } from './errors.ts';
import { fromAsn } from './name.ts';
import type { DistinguishedName } from './name.ts';
import { authorizedResponder } from './ocsp-responder.ts';
import type { ResponderCheck } from './ocsp-responder.ts';
import { OID } from './oids.ts';
import type { CertStatus } from './revocation-crl.ts';
import { isFinalRevocation } from './revocation-crl.ts';
import { decodeTime } from './time.ts';
import { verifySignature } from './signature.ts';

export interface OcspSingle {
  readonly hashAlgorithm: string;
  readonly issuerNameHash: Uint8Array;
  readonly issuerKeyHash: Uint8Array;
  readonly serialKey: string;
  readonly status: 'good' | 'revoked' | 'unknown';
  readonly revocationTime?: Date;
  readonly reason?: number;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  /** singleExtensions marked critical that we do not understand (RFC 6960 §4.4). */
  readonly unknownCritical: readonly string[];
}

export interface OcspResponse {
  readonly tbs: Uint8Array;
  readonly signatureAlgorithm: AlgorithmId;
  readonly signature: Uint8Array;
  readonly responderName?: DistinguishedName;
  readonly responderKeyHash?: Uint8Array;
  readonly certs: readonly Certificate[];
  readonly responses: readonly OcspSingle[];
  readonly nonce?: Uint8Array;
  /** responseExtensions marked critical that we do not understand (the nonce is understood). */
  readonly unknownCritical: readonly string[];
}

const HASHES: Record<string, string> = { [OID.sha1]: 'SHA-1', [OID.sha256]: 'SHA-256', [OID.sha384]: 'SHA-384', [OID.sha512]: 'SHA-512' };

/** Parses an OCSPResponse; a non-successful status is a parse error naming it. */
export function parseOcspResponse(der: Uint8Array): OcspResponse {
  try {
    return parse(der.slice());
  } catch (err) {
    if (err instanceof PkiParseError) throw err;
    throw new PkiParseError('MALFORMED_DER', `This is not a well-formed OCSP response (${(err as Error).message}).`);
  }
}

function parse(der: Uint8Array): OcspResponse {
  topSequence(der, 'The OCSP response');
  const outer = AsnConvert.parse(der, ocsp.OCSPResponse);
  if (outer.responseStatus !== ocsp.OCSPResponseStatus.successful) {
    throw new PkiParseError('MALFORMED_DER', `The OCSP responder answered with status ${ocsp.OCSPResponseStatus[outer.responseStatus] ?? outer.responseStatus}.`);
  }
  if (!outer.responseBytes || outer.responseBytes.responseType !== OID.ocspBasic) {
    throw new PkiParseError('MALFORMED_DER', 'The OCSP response is not a basic OCSP response.');
  }
  const basicDer = u8(outer.responseBytes.response.buffer);
  const top = topSequence(basicDer, 'The basic OCSP response');
  const [tbsTlv, , sigTlv] = children(basicDer, top);
  if (!tbsTlv || !sigTlv) throw new PkiParseError('MALFORMED_DER', 'The basic OCSP response is empty.');
  const basic = AsnConvert.parse(basicDer, ocsp.BasicOCSPResponse);
  const data = basic.tbsResponseData;
  const certs = (basic.certs ?? []).map((c) => parseCertificate(u8(AsnConvert.serialize(c))));
  let nonce: Uint8Array | undefined;
  const critical = (exts: readonly x.Extension[] | undefined, known: readonly string[]) =>
    (exts ?? []).filter((e) => e.critical && !known.includes(e.extnID)).map((e) => e.extnID);
  for (const e of data.responseExtensions ?? []) {
    if (e.extnID === OID.ocspNonce) {
      // RFC 8954: the nonce is an OCTET STRING inside extnValue; some responders put raw bytes.
      const v = u8(e.extnValue.buffer);
      const t = v.length > 1 && v[0] === 0x04 ? readTlv(v, 0) : undefined;
      nonce = t && t.end === v.length ? v.subarray(t.contentStart, t.end) : v;
    }
  }
  const times = singleTimes(basicDer, tbsTlv);
  if (times.length !== data.responses.length) throw new PkiParseError('MALFORMED_DER', 'The OCSP responses could not be read.');
  const responses = data.responses.map((r, n): OcspSingle => {
    const time = times[n] as (typeof times)[number];
    const st = r.certStatus;
    const status = st.revoked ? 'revoked' : st.good !== undefined ? 'good' : 'unknown';
    return {
      hashAlgorithm: r.certID.hashAlgorithm.algorithm,
      issuerNameHash: u8(r.certID.issuerNameHash.buffer),
      issuerKeyHash: u8(r.certID.issuerKeyHash.buffer),
      serialKey: serialKey(u8(r.certID.serialNumber)),
      status,
      ...(time.revocationTime ? { revocationTime: time.revocationTime } : {}),
      ...(st.revoked?.revocationReason ? { reason: st.revoked.revocationReason.reason } : {}),
      thisUpdate: time.thisUpdate,
      ...(time.nextUpdate ? { nextUpdate: time.nextUpdate } : {}),
      unknownCritical: critical(r.singleExtensions, []),
    };
  });
  return {
    tbs: whole(basicDer, tbsTlv),
    signatureAlgorithm: algorithmId(basic.signatureAlgorithm),
    signature: octetBitString(basicDer, sigTlv, 'The OCSP response signature'),
    ...(data.responderID.byName ? { responderName: fromAsn(data.responderID.byName) } : {}),
    ...(data.responderID.byKey ? { responderKeyHash: u8(data.responderID.byKey.buffer) } : {}),
    certs,
    responses,
    ...(nonce ? { nonce } : {}),
    unknownCritical: critical(data.responseExtensions, [OID.ocspNonce]),
  };
}

/** Each SingleResponse's times (RFC 6960 §4.2.1), from their DER: GeneralizedTime, "Z", fraction allowed (pki/time.ts). */
function singleTimes(der: Uint8Array, tbs: Tlv): { thisUpdate: Date; nextUpdate?: Date; revocationTime?: Date }[] {
  const fields = children(der, tbs);
  // ResponseData: [0] version?, responderID ([1] | [2]), producedAt, responses, [1] responseExtensions?
  const responses = fields[fields[0]?.tag === 0xa0 ? 3 : 2];
  if (responses?.tag !== 0x30) throw new PkiParseError('MALFORMED_DER', 'The OCSP response has no list of responses.');
  return children(der, responses).map((single) => {
    // SingleResponse: certID, certStatus (good [0] | revoked [1] {revocationTime, [0] reason?} | unknown [2]), thisUpdate, [0] nextUpdate?
    const [, status, thisUpdate, next] = single.tag === 0x30 ? children(der, single) : [];
    const revocationTime = status?.tag === 0xa1 ? children(der, status)[0] : undefined;
    return {
      thisUpdate: decodeTime(der, thisUpdate, 'The OCSP response\'s thisUpdate', true),
      ...(next?.tag === 0xa0 ? { nextUpdate: decodeTime(der, children(der, next)[0], 'The OCSP response\'s nextUpdate', true) } : {}),
      ...(status?.tag === 0xa1 ? { revocationTime: decodeTime(der, revocationTime, 'The OCSP response\'s revocationTime', true) } : {}),
    };
  });
}

async function digest(hash: string, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest(hash, ab(data)));
}

export interface OcspCheck extends ResponderCheck {
  /** Without nextUpdate, a response older than this is stale (seconds). */
  readonly maxAgeSeconds: number;
  /** Allowed clock difference (seconds). */
  readonly skewSeconds: number;
  /** The nonce sent in the request, when one was (RFC 8954). */
  readonly nonce?: Uint8Array;
}

/** The status of `cert` from `resp`, or undefined when the response is not about it. */
export async function ocspStatus(resp: OcspResponse, cert: Certificate, issuer: Certificate, check: OcspCheck): Promise<CertStatus | undefined> {
  let single: OcspSingle | undefined;
  for (const r of resp.responses) {
    const hash = HASHES[r.hashAlgorithm];
    if (!hash || r.serialKey !== cert.serialKey) continue;
    if (bytesEqual(await digest(hash, cert.issuerDer), r.issuerNameHash) && bytesEqual(await digest(hash, issuer.publicKey), r.issuerKeyHash)) {
      single = r;
      break;
    }
  }
  if (!single) return undefined;
  const unknown = (why: string): CertStatus => ({ status: 'unknown', why });
  // §4.2.2.2: the CA itself, or a responder it certified for id-kp-OCSPSigning.
  const authorized = await authorizedResponder(resp, issuer, check);
  if ('why' in authorized) return unknown(authorized.why);
  const signer = authorized.signer;
  const s = await verifySignature(resp.tbs, resp.signatureAlgorithm, resp.signature, signer, check.signature);
  if (!s.ok) return unknown(`the OCSP response cannot be trusted: ${s.why}`);
  // §4.4: an extension that is critical and not understood makes the response unusable.
  const critical = [...resp.unknownCritical, ...single.unknownCritical];
  if (critical.length > 0) return unknown(`the OCSP response has an unknown critical extension (${critical.join(', ')})`);
  const skew = check.skewSeconds * 1000;
  const t = check.time.getTime();
  if (single.thisUpdate.getTime() > t + skew) return unknown('the OCSP response is dated in the future');
  const revoked: CertStatus = {
    status: 'revoked', date: single.revocationTime ?? single.thisUpdate, by: label(signer),
    ...(single.reason === undefined ? {} : { reason: single.reason }),
  };
  // A final revocation stays true whenever the authentic answer was made (RFC 5280 §5.3.1; revocation-crl.ts does
  // the same): neither a replay (a missing or other nonce, RFC 8954 §1) nor a lapse undoes it.
  const final = single.status === 'revoked' && isFinalRevocation(single.reason) && revoked.date.getTime() <= t;
  if (check.nonce && (!resp.nonce || !bytesEqual(resp.nonce, check.nonce))) {
    return final ? revoked : unknown('the OCSP response does not carry the nonce of the request');
  }
  const stale = single.nextUpdate ? single.nextUpdate.getTime() < t - skew : single.thisUpdate.getTime() < t - check.maxAgeSeconds * 1000;
  if (stale) return final ? revoked : unknown(`the OCSP response from "${label(signer)}" is out of date`);
  if (single.status === 'good') return { status: 'good' };
  if (single.status === 'revoked') return revoked;
  return unknown(`the OCSP responder "${label(signer)}" does not know this certificate`);
}

/** An OCSPRequest for `cert` (CertID with SHA-1, as RFC 5019 §2.1.1 asks), with an optional nonce. */
export async function buildOcspRequest(cert: Certificate, issuer: Certificate, nonce?: Uint8Array): Promise<Uint8Array> {
  const certId = new ocsp.CertID({
    hashAlgorithm: new x.AlgorithmIdentifier({ algorithm: OID.sha1, parameters: null }),
    issuerNameHash: new OctetString(ab(await digest('SHA-1', cert.issuerDer))),
    issuerKeyHash: new OctetString(ab(await digest('SHA-1', issuer.publicKey))),
    serialNumber: ab(cert.serial),
  });
  const tbs = new ocsp.TBSRequest({ requestList: [new ocsp.Request({ reqCert: certId })] });
  if (nonce) {
    tbs.requestExtensions = [new x.Extension({
      extnID: OID.ocspNonce, critical: false, extnValue: new OctetString(AsnConvert.serialize(new OctetString(ab(nonce)))),
    })];
  }
  return u8(AsnConvert.serialize(new ocsp.OCSPRequest({ tbsRequest: tbs })));
}
