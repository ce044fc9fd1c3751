/** An X.509 certificate parsed for validation (RFC 5280 §4.1). */
import { AsnConvert } from '@peculiar/asn1-schema';
import * as x from '@peculiar/asn1-x509';
import { serialKey, toHex, u8 } from './bytes.ts';
import { bytesEqual } from './bytes.ts';
import { children, octetBitString, topSequence, whole } from './der.ts';
import { PkiParseError } from './errors.ts';
import type { CertExtensions } from './extensions.ts';
import { decodeExtensions } from './extensions.ts';
import type { DistinguishedName } from './name.ts';
import { fromAsn } from './name.ts';
import { decodeTime } from './time.ts';

export interface AlgorithmId {
  readonly oid: string;
  /** The DER of the parameters, if present (absent and NULL differ for some algorithms). */
  readonly params?: Uint8Array;
}

export interface Certificate {
  readonly der: Uint8Array;
  /** Hex of the DER: identity for loop detection and caches. */
  readonly id: string;
  readonly tbs: Uint8Array;
  readonly signatureAlgorithm: AlgorithmId;
  readonly tbsSignatureAlgorithm: AlgorithmId;
  readonly signature: Uint8Array;
  readonly version: number;
  readonly serial: Uint8Array;
  readonly serialKey: string;
  readonly issuer: DistinguishedName;
  readonly issuerDer: Uint8Array;
  readonly subject: DistinguishedName;
  readonly subjectDer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The whole SubjectPublicKeyInfo DER, and its parts. */
  readonly spki: Uint8Array;
  readonly keyAlgorithm: AlgorithmId;
  readonly publicKey: Uint8Array;
  readonly ext: CertExtensions;
  readonly unknownCritical: readonly string[];
  /** Subject and issuer name are equal (§6.1: self-issued). */
  readonly selfIssued: boolean;
}

export function algorithmId(a: x.AlgorithmIdentifier): AlgorithmId {
  return a.parameters === undefined || a.parameters === null
    ? { oid: a.algorithm, ...(a.parameters === null ? { params: new Uint8Array([5, 0]) } : {}) }
    : { oid: a.algorithm, params: u8(a.parameters) };
}

/** Parses DER; throws PkiParseError (never anything else) on malformed input. */
export function parseCertificate(der: Uint8Array): Certificate {
  try {
    return parse(der);
  } catch (err) {
    if (err instanceof PkiParseError) throw err;
    throw new PkiParseError('MALFORMED_DER', `This is not a well-formed X.509 certificate (${(err as Error).message}).`);
  }
}

function parse(input: Uint8Array): Certificate {
  const der = input.slice();
  const top = topSequence(der, 'The certificate');
  const parts = children(der, top);
  if (parts.length !== 3) throw new PkiParseError('MALFORMED_DER', 'A certificate has three parts: body, algorithm and signature.');
  const tbsTlv = parts[0] as NonNullable<(typeof parts)[0]>;
  const fields = children(der, tbsTlv);
  let i = fields[0]?.tag === 0xa0 ? 1 : 0;
  const field = (): Uint8Array => {
    const f = fields[i++];
    if (!f) throw new PkiParseError('MALFORMED_DER', 'The certificate body is missing fields.');
    return whole(der, f);
  };
  i += 1; // serialNumber
  const tbsAlgorithm = field();
  const issuerDer = field();
  const validity = fields[i++];
  const subjectDer = field();
  // §4.1.2.5: the two times, from their DER (pki/time.ts).
  const [notBeforeTlv, notAfterTlv] = validity?.tag === 0x30 ? children(der, validity) : [];
  const notBefore = decodeTime(der, notBeforeTlv, 'The certificate\'s notBefore');
  const notAfter = decodeTime(der, notAfterTlv, 'The certificate\'s notAfter');
  const spki = field();

  const cert = AsnConvert.parse(der, x.Certificate);
  const tbs = cert.tbsCertificate;
  const version = tbs.version + 1;
  if (version < 1 || version > 3) throw new PkiParseError('UNSUPPORTED_VERSION', `Certificate version ${version} is not defined.`);
  if (version < 3 && tbs.extensions) throw new PkiParseError('MALFORMED_DER', 'Only version 3 certificates carry extensions.');
  const { ext, unknownCritical } = decodeExtensions(tbs.extensions);
  const issuer = fromAsn(tbs.issuer);
  const subject = fromAsn(tbs.subject);
  const serial = u8(tbs.serialNumber);
  // §4.1.1.2: both algorithm identifiers must be the same, byte for byte (nothing outside the
  // signed body may vary), and the signature is a BIT STRING of whole octets.
  if (!bytesEqual(tbsAlgorithm, whole(der, parts[1] as NonNullable<(typeof parts)[1]>))) {
    throw new PkiParseError('MALFORMED_DER', 'The certificate names two different signature algorithms.');
  }
  const signature = octetBitString(der, parts[2] as NonNullable<(typeof parts)[2]>, 'The certificate signature');
  return {
    der,
    id: toHex(der),
    tbs: whole(der, tbsTlv),
    signatureAlgorithm: algorithmId(cert.signatureAlgorithm),
    tbsSignatureAlgorithm: algorithmId(tbs.signature),
    signature,
    version,
    serial,
    serialKey: serialKey(serial),
    issuer,
    issuerDer,
    subject,
    subjectDer,
    notBefore,
    notAfter,
    spki,
    keyAlgorithm: algorithmId(tbs.subjectPublicKeyInfo.algorithm),
    publicKey: u8(tbs.subjectPublicKeyInfo.subjectPublicKey),
    ext,
    unknownCritical,
    selfIssued: issuer.key === subject.key,
  };
}

/** A short human label: the subject's CN, else the whole subject. */
export function label(cert: Certificate): string {
  const cn = cert.subject.rdns.flatMap((r) => r.filter((a) => a.type === '2.5.4.3')).at(-1);
  return cn ? cn.text : cert.subject.text;
}
