/** End-certificate policy: key usage and extended key usage for card and host certificates. */
import type { Certificate } from './certificate.ts';
import { label } from './certificate.ts';
import type { ValidationIssue } from './errors.ts';
import { issue } from './errors.ts';
import { KU } from './extensions.ts';
import { OID } from './oids.ts';

export interface LeafPolicy {
  /** keyUsage bits the leaf must have when it has a keyUsage extension (KU.digitalSignature for signing). */
  readonly keyUsage?: number;
  /** When true, a leaf without a keyUsage extension is refused (default: allowed, as RFC 5280 §4.2.1.3 reads). */
  readonly requireKeyUsage?: boolean;
  /** The leaf must allow at least one of these EKUs when it has an EKU extension. */
  readonly allowedEkus?: readonly string[];
  /** The leaf must allow every one of these EKUs (anyExtendedKeyUsage allows all). */
  readonly requiredEkus?: readonly string[];
  /** When true, a leaf without an EKU extension is refused (default: allowed, as RFC 5280 §4.2.1.12 reads). */
  readonly requireEku?: boolean;
}

/**
 * A smart-card login certificate: a keyUsage extension with digitalSignature (ARCHITECTURE.md's trust decision; the
 * PIV Authentication certificate profile always has one, FIPS 201-3 §4.2.2), and a client-authentication EKU.
 */
export const CARD_POLICY: LeafPolicy = {
  keyUsage: KU.digitalSignature,
  requireKeyUsage: true,
  allowedEkus: [OID.kpClientAuth, OID.kpSecureShellClient, OID.msSmartcardLogon, OID.anyExtendedKeyUsage],
};

/** An x509v3 SSH host certificate (RFC 6187 §2.2): id-kp-secureShellServer. */
export const HOST_POLICY: LeafPolicy = {
  keyUsage: KU.digitalSignature,
  allowedEkus: [OID.kpSecureShellServer, OID.anyExtendedKeyUsage],
};

const EKU_NAMES: Record<string, string> = {
  [OID.kpClientAuth]: 'client authentication', [OID.kpServerAuth]: 'server authentication',
  [OID.kpSecureShellClient]: 'SSH client', [OID.kpSecureShellServer]: 'SSH server',
  [OID.msSmartcardLogon]: 'smart card logon', [OID.anyExtendedKeyUsage]: 'any purpose',
};

export function ekuName(oid: string): string {
  return EKU_NAMES[oid] ?? oid;
}

export function checkLeafPolicy(leaf: Certificate, policy: LeafPolicy): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const who = `"${label(leaf)}"`;
  if (policy.keyUsage !== undefined && leaf.ext.keyUsage === undefined && policy.requireKeyUsage === true) {
    out.push(issue('LEAF_KEY_USAGE', `The certificate ${who} has no keyUsage extension; this use needs one that allows digitalSignature.`, 0));
  }
  if (policy.keyUsage !== undefined && leaf.ext.keyUsage !== undefined && (leaf.ext.keyUsage & policy.keyUsage) !== policy.keyUsage) {
    // Name the bits that are missing (a policy may ask for more than digitalSignature, e.g. nonRepudiation).
    const missing = (Object.keys(KU) as (keyof typeof KU)[]).filter((k) => (policy.keyUsage as number) & KU[k] & ~(leaf.ext.keyUsage as number));
    const what = missing.length === 1 && missing[0] === 'digitalSignature' ? 'make digital signatures' : 'be used this way';
    out.push(issue('LEAF_KEY_USAGE', `The certificate ${who} is not allowed to ${what} (keyUsage lacks ${missing.join(' and ')}).`, 0));
  }
  if (policy.allowedEkus) {
    const ekus = leaf.ext.extKeyUsage;
    if (ekus === undefined ? policy.requireEku === true : !ekus.some((e) => policy.allowedEkus?.includes(e))) {
      const has = ekus === undefined ? 'has no extended key usage' : `allows only ${ekus.map(ekuName).join(', ')}`;
      out.push(issue('LEAF_EKU', `The certificate ${who} ${has}; this use needs ${policy.allowedEkus.map(ekuName).join(' or ')}.`, 0));
    }
  }
  if (policy.requiredEkus) {
    const ekus = leaf.ext.extKeyUsage;
    const missing = ekus === undefined
      ? (policy.requireEku ? [...policy.requiredEkus] : [])
      : ekus.includes(OID.anyExtendedKeyUsage) ? [] : policy.requiredEkus.filter((e) => !ekus.includes(e));
    if (missing.length > 0) {
      const has = ekus === undefined ? 'has no extended key usage' : `allows only ${ekus.map(ekuName).join(', ')}`;
      out.push(issue('LEAF_EKU', `The certificate ${who} ${has}; this use needs ${missing.map(ekuName).join(' and ')}.`, 0));
    }
  }
  return out;
}
