/** Certificate revocation lists parsed for §6.3 (RFC 5280 §5). */
import { AsnConvert } from '@peculiar/asn1-schema';
import * as x from '@peculiar/asn1-x509';
import { toHex, u8 } from './bytes.ts';
import type { AlgorithmId } from './certificate.ts';
import { algorithmId } from './certificate.ts';
import { bytesEqual } from './bytes.ts';
import { children, content, octetBitString, readTlv, topSequence, whole } from './der.ts';
import { parseCrlEntries } from './crl-entries.ts';
import { PkiParseError } from './errors.ts';
import type { DistributionPoint } from './extensions.ts';
import { distributionPoints } from './extensions.ts';
import type { GeneralName } from './general-name.ts';
import type { DistinguishedName } from './name.ts';
import { fromAsn } from './name.ts';
import { decodeTime } from './time.ts';
import { OID } from './oids.ts';

export interface CrlEntry {
  readonly serialKey: string;
  readonly revocationDate: Date;
  /** CRLReason code (§5.3.1); undefined when absent (unspecified). */
  readonly reason?: number;
  /** The certificate issuer this entry is about (§5.3.3; the CRL issuer unless an indirect CRL says otherwise). */
  readonly certificateIssuer: DistinguishedName;
}

export interface IssuingDistributionPoint {
  readonly fullName?: readonly GeneralName[];
  readonly relativeName?: DistributionPoint['relativeName'];
  readonly onlyContainsUserCerts: boolean;
  readonly onlyContainsCACerts: boolean;
  readonly onlySomeReasons?: number;
  readonly indirectCRL: boolean;
  readonly onlyContainsAttributeCerts: boolean;
  /** Hex of the extension value, to compare a delta CRL's scope with its base (§5.2.4). */
  readonly key: string;
}

export interface Crl {
  readonly der: Uint8Array;
  readonly id: string;
  readonly tbs: Uint8Array;
  readonly signatureAlgorithm: AlgorithmId;
  readonly signature: Uint8Array;
  readonly issuer: DistinguishedName;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  /** bigint: CRL numbers run to 20 octets (§5.2.3), and asn1-schema gives larger ones as decimal text. */
  readonly crlNumber?: bigint;
  /** BaseCRLNumber when this is a delta CRL (§5.2.4). */
  readonly baseCrlNumber?: bigint;
  readonly idp?: IssuingDistributionPoint;
  readonly freshestCrl?: DistributionPoint[];
  readonly entries: readonly CrlEntry[];
  /** OIDs of critical CRL or entry extensions not understood: such a CRL must not be used (§5.2, §5.3). */
  readonly unknownCritical: readonly string[];
}

/** CRLNumber / BaseCRLNumber (§5.2.3, §5.2.4): a non-negative INTEGER of at most 20 octets, read from its DER. */
function crlNumberOf(v: Uint8Array, what: string): bigint {
  const t = readTlv(v, 0);
  const b = v.subarray(t.contentStart, t.end);
  if (t.tag !== 0x02 || t.end !== v.length || b.length === 0 || b.length > 21 || ((b[0] as number) & 0x80)) {
    throw new PkiParseError('MALFORMED_DER', `The CRL's ${what} is not a non-negative INTEGER of at most 20 octets.`);
  }
  return BigInt(`0x${toHex(b)}`);
}

const KNOWN_CRL = new Set<string>([OID.authorityKeyIdentifier, OID.issuerAltName, OID.crlNumber, OID.deltaCRLIndicator, OID.issuingDistributionPoint, OID.freshestCRL, OID.authorityInfoAccess]);

export function parseCrl(der: Uint8Array): Crl {
  try {
    return parse(der.slice());
  } catch (err) {
    if (err instanceof PkiParseError) throw err;
    throw new PkiParseError('MALFORMED_DER', `This is not a well-formed CRL (${(err as Error).message}).`);
  }
}

function parse(der: Uint8Array): Crl {
  const top = topSequence(der, 'The CRL');
  const parts = children(der, top);
  if (parts.length !== 3 || !parts[0] || parts[0].tag !== 0x30) throw new PkiParseError('MALFORMED_DER', 'A CRL has three parts: body, algorithm and signature.');
  // TBSCertList (§5.1): version?, signature, issuer, thisUpdate, nextUpdate?, revokedCertificates?, [0] crlExtensions?
  // Cut with der.ts; asn1-schema decodes only the small parts (crl-entries.ts says why).
  const fields = children(der, parts[0]);
  const v = fields[0]?.tag === 0x02 ? 1 : 0;
  const [tbsAlgorithm, issuerTlv] = [fields[v], fields[v + 1]];
  // §5.1.1.2: the outer algorithm must equal the signed one; the signature is whole octets.
  if (!tbsAlgorithm || !parts[1] || !bytesEqual(whole(der, tbsAlgorithm), whole(der, parts[1]))) {
    throw new PkiParseError('MALFORMED_DER', 'The CRL names two different signature algorithms.');
  }
  const signature = octetBitString(der, parts[2] as NonNullable<(typeof parts)[2]>, 'The CRL signature');
  if (issuerTlv?.tag !== 0x30) throw new PkiParseError('MALFORMED_DER', 'The CRL has no issuer name.');
  // §5.1.2.4-6: thisUpdate, nextUpdate and each revocationDate, from their DER (pki/time.ts).
  const thisUpdate = decodeTime(der, fields[v + 2], 'The CRL\'s thisUpdate');
  let next = v + 3;
  const nextUpdateTlv = fields[next]?.tag === 0x17 || fields[next]?.tag === 0x18 ? fields[next++] : undefined;
  const revokedTlv = fields[next]?.tag === 0x30 ? fields[next++] : undefined;
  const extensionsTlv = fields[next]?.tag === 0xa0 ? fields[next++] : undefined;
  if (next !== fields.length) throw new PkiParseError('MALFORMED_DER', 'The CRL body has unexpected fields.');
  const signatureAlgorithm = AsnConvert.parse(whole(der, parts[1]), x.AlgorithmIdentifier);
  const issuer = fromAsn(AsnConvert.parse(whole(der, issuerTlv), x.Name));
  const crlExtensions = extensionsTlv ? AsnConvert.parse(content(der, extensionsTlv), x.Extensions) : [];
  const unknownCritical: string[] = [];
  let crlNumber: bigint | undefined;
  let baseCrlNumber: bigint | undefined;
  let idp: IssuingDistributionPoint | undefined;
  let freshestCrl: DistributionPoint[] | undefined;
  for (const e of crlExtensions) {
    const v = e.extnValue.buffer;
    if (!KNOWN_CRL.has(e.extnID)) {
      if (e.critical) unknownCritical.push(e.extnID);
      continue;
    }
    if (e.extnID === OID.crlNumber) crlNumber = crlNumberOf(u8(v), 'CRL number');
    else if (e.extnID === OID.deltaCRLIndicator) baseCrlNumber = crlNumberOf(u8(v), 'base CRL number');
    else if (e.extnID === OID.freshestCRL) freshestCrl = distributionPoints(Array.from(AsnConvert.parse(v, x.FreshestCRL)));
    else if (e.extnID === OID.issuingDistributionPoint) {
      const p = AsnConvert.parse(v, x.IssuingDistributionPoint);
      const [dp] = distributionPoints([new x.DistributionPoint(p.distributionPoint ? { distributionPoint: p.distributionPoint } : {})]);
      idp = {
        ...(dp?.fullName ? { fullName: dp.fullName } : {}),
        ...(dp?.relativeName ? { relativeName: dp.relativeName } : {}),
        onlyContainsUserCerts: p.onlyContainsUserCerts,
        onlyContainsCACerts: p.onlyContainsCACerts,
        ...(p.onlySomeReasons ? { onlySomeReasons: p.onlySomeReasons.toNumber() } : {}),
        indirectCRL: p.indirectCRL,
        onlyContainsAttributeCerts: p.onlyContainsAttributeCerts,
        key: toHex(u8(v)),
      };
    }
  }
  const { entries, unknownCritical: entryCritical } = revokedTlv
    ? parseCrlEntries(der, revokedTlv, issuer, idp?.indirectCRL === true)
    : { entries: [], unknownCritical: [] };
  unknownCritical.push(...entryCritical);
  return {
    der,
    id: toHex(der),
    tbs: whole(der, parts[0]),
    signatureAlgorithm: algorithmId(signatureAlgorithm),
    signature,
    issuer,
    thisUpdate,
    ...(nextUpdateTlv ? { nextUpdate: decodeTime(der, nextUpdateTlv, 'The CRL\'s nextUpdate') } : {}),
    ...(crlNumber === undefined ? {} : { crlNumber }),
    ...(baseCrlNumber === undefined ? {} : { baseCrlNumber }),
    ...(idp ? { idp } : {}),
    ...(freshestCrl ? { freshestCrl } : {}),
    entries,
    unknownCritical,
  };
}

export const REASON_NAMES: Record<number, string> = {
  0: 'unspecified', 1: 'key compromise', 2: 'CA compromise', 3: 'affiliation changed', 4: 'superseded',
  5: 'cessation of operation', 6: 'certificate hold', 8: 'remove from CRL', 9: 'privilege withdrawn', 10: 'AA compromise',
};
