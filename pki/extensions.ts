/** Decoding of the certificate extensions pki/ processes (RFC 5280 §4.2). */
import { AsnConvert } from '@peculiar/asn1-schema';
import type { Extension } from '@peculiar/asn1-x509';
import * as x from '@peculiar/asn1-x509';
import { u8 } from './bytes.ts';
import { PkiParseError } from './errors.ts';
import type { GeneralName } from './general-name.ts';
import { fromAsnGeneralName } from './general-name.ts';
import type { Attribute } from './name.ts';
import { rdnFromAsn } from './name.ts';
import { OID } from './oids.ts';

export interface PolicyInfo {
  readonly oid: string;
  readonly qualifiers: readonly string[];
}

export interface DistributionPoint {
  readonly fullName?: readonly GeneralName[];
  readonly relativeName?: readonly Attribute[];
  /** ReasonFlags as a bit mask (bit 1 keyCompromise ... bit 8 aACompromise). */
  readonly reasons?: number;
  readonly crlIssuer?: readonly GeneralName[];
}

export interface CertExtensions {
  basicConstraints?: { ca: boolean; pathLen?: number };
  /** KeyUsage bits as asn1-x509's KeyUsageFlags (digitalSignature 1 ... cRLSign 64). */
  keyUsage?: number;
  extKeyUsage?: string[];
  subjectAltName?: GeneralName[];
  nameConstraints?: { permitted?: GeneralName[]; excluded?: GeneralName[] };
  policies?: PolicyInfo[];
  policyMappings?: { issuer: string; subject: string }[];
  policyConstraints?: { requireExplicitPolicy?: number; inhibitPolicyMapping?: number };
  inhibitAnyPolicy?: number;
  authorityKeyId?: Uint8Array;
  subjectKeyId?: Uint8Array;
  crlDistributionPoints?: DistributionPoint[];
  freshestCrl?: DistributionPoint[];
  ocspUrls: string[];
  ocspNoCheck: boolean;
}

export const KU = {
  digitalSignature: 1, nonRepudiation: 2, keyEncipherment: 4, dataEncipherment: 8, keyAgreement: 16,
  keyCertSign: 32, cRLSign: 64,
} as const;

/** Extensions this module understands; any other critical one fails validation (§4.2). */
const KNOWN = new Set<string>([
  OID.basicConstraints, OID.keyUsage, OID.extKeyUsage, OID.subjectAltName, OID.issuerAltName, OID.nameConstraints,
  OID.certificatePolicies, OID.policyMappings, OID.policyConstraints, OID.inhibitAnyPolicy,
  OID.authorityKeyIdentifier, OID.subjectKeyIdentifier, OID.crlDistributionPoints, OID.freshestCRL,
  OID.authorityInfoAccess, OID.subjectInfoAccess, OID.ocspNoCheck,
]);

/** A small non-negative INTEGER (SkipCerts, pathLen); huge values saturate. */
export function smallInt(b: ArrayBuffer | number): number {
  if (typeof b === 'number') return b;
  let v = 0;
  for (const byte of u8(b)) v = Math.min(v * 256 + byte, 0x7fffffff);
  return v;
}

export function distributionPoints(list: readonly x.DistributionPoint[]): DistributionPoint[] {
  return list.map((dp) => {
    const out: { -readonly [K in keyof DistributionPoint]: DistributionPoint[K] } = {};
    if (dp.distributionPoint?.fullName) out.fullName = dp.distributionPoint.fullName.map(fromAsnGeneralName);
    if (dp.distributionPoint?.nameRelativeToCRLIssuer) out.relativeName = rdnFromAsn(dp.distributionPoint.nameRelativeToCRLIssuer);
    if (dp.reasons) out.reasons = dp.reasons.toNumber();
    if (dp.cRLIssuer) out.crlIssuer = dp.cRLIssuer.map(fromAsnGeneralName);
    return out;
  });
}

function decode(ext: Extension, out: CertExtensions): void {
  const v = ext.extnValue.buffer;
  switch (ext.extnID) {
    case OID.basicConstraints: {
      const bc = AsnConvert.parse(v, x.BasicConstraints);
      out.basicConstraints = bc.pathLenConstraint === undefined ? { ca: bc.cA } : { ca: bc.cA, pathLen: smallInt(bc.pathLenConstraint) };
      break;
    }
    case OID.keyUsage: out.keyUsage = AsnConvert.parse(v, x.KeyUsage).toNumber(); break;
    case OID.extKeyUsage: out.extKeyUsage = Array.from(AsnConvert.parse(v, x.ExtendedKeyUsage)); break;
    case OID.subjectAltName: out.subjectAltName = Array.from(AsnConvert.parse(v, x.SubjectAlternativeName), fromAsnGeneralName); break;
    case OID.nameConstraints: {
      const nc = AsnConvert.parse(v, x.NameConstraints);
      const nco: NonNullable<CertExtensions['nameConstraints']> = {};
      if (nc.permittedSubtrees) nco.permitted = Array.from(nc.permittedSubtrees, (s) => fromAsnGeneralName(s.base));
      if (nc.excludedSubtrees) nco.excluded = Array.from(nc.excludedSubtrees, (s) => fromAsnGeneralName(s.base));
      out.nameConstraints = nco;
      break;
    }
    case OID.certificatePolicies:
      out.policies = Array.from(AsnConvert.parse(v, x.CertificatePolicies), (p) => ({
        oid: p.policyIdentifier,
        qualifiers: (p.policyQualifiers ?? []).map((q) => q.policyQualifierId),
      }));
      break;
    case OID.policyMappings:
      out.policyMappings = Array.from(AsnConvert.parse(v, x.PolicyMappings), (m) => ({ issuer: m.issuerDomainPolicy, subject: m.subjectDomainPolicy }));
      break;
    case OID.policyConstraints: {
      const pc = AsnConvert.parse(v, x.PolicyConstraints);
      const pco: NonNullable<CertExtensions['policyConstraints']> = {};
      if (pc.requireExplicitPolicy !== undefined) pco.requireExplicitPolicy = smallInt(pc.requireExplicitPolicy);
      if (pc.inhibitPolicyMapping !== undefined) pco.inhibitPolicyMapping = smallInt(pc.inhibitPolicyMapping);
      out.policyConstraints = pco;
      break;
    }
    case OID.inhibitAnyPolicy: out.inhibitAnyPolicy = smallInt(AsnConvert.parse(v, x.InhibitAnyPolicy).value); break;
    case OID.authorityKeyIdentifier: {
      const aki = AsnConvert.parse(v, x.AuthorityKeyIdentifier);
      if (aki.keyIdentifier) out.authorityKeyId = u8(aki.keyIdentifier.buffer);
      break;
    }
    case OID.subjectKeyIdentifier: out.subjectKeyId = u8(AsnConvert.parse(v, x.SubjectKeyIdentifier).buffer); break;
    case OID.crlDistributionPoints: out.crlDistributionPoints = distributionPoints(Array.from(AsnConvert.parse(v, x.CRLDistributionPoints))); break;
    case OID.freshestCRL: out.freshestCrl = distributionPoints(Array.from(AsnConvert.parse(v, x.FreshestCRL))); break;
    case OID.authorityInfoAccess:
      for (const ad of AsnConvert.parse(v, x.AuthorityInfoAccessSyntax)) {
        const uri = ad.accessLocation.uniformResourceIdentifier;
        if (ad.accessMethod === OID.authorityInfoAccessOcsp && uri !== undefined) out.ocspUrls.push(uri);
      }
      break;
    case OID.ocspNoCheck: out.ocspNoCheck = true; break;
    default: break;
  }
}

/** Decodes extensions; returns the OIDs of critical ones it does not know. */
export function decodeExtensions(list: readonly Extension[] | undefined): { ext: CertExtensions; unknownCritical: string[] } {
  const ext: CertExtensions = { ocspUrls: [], ocspNoCheck: false };
  const unknownCritical: string[] = [];
  const seen = new Set<string>();
  for (const e of list ?? []) {
    // §4.2: a certificate MUST NOT include more than one instance of an extension.
    if (seen.has(e.extnID)) throw new PkiParseError('MALFORMED_DER', `The extension ${e.extnID} appears twice.`);
    seen.add(e.extnID);
    if (!KNOWN.has(e.extnID)) {
      if (e.critical) unknownCritical.push(e.extnID);
      continue;
    }
    try {
      decode(e, ext);
    } catch (err) {
      if (err instanceof PkiParseError) throw err;
      throw new PkiParseError('MALFORMED_DER', `The extension ${e.extnID} is malformed: ${(err as Error).message}.`);
    }
  }
  return { ext, unknownCritical };
}
