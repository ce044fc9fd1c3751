/** RFC 5280 §6.1 basic path processing over one candidate path (revocation is done apart). */
import type { Certificate } from './certificate.ts';
import { label } from './certificate.ts';
import { isoDate } from './bytes.ts';
import type { ValidationIssue } from './errors.ts';
import { issue } from './errors.ts';
import { KU } from './extensions.ts';
import { NameConstraintState } from './name-constraints.ts';
import { namesEqual } from './name.ts';
import { OID } from './oids.ts';
import { PolicyTree } from './policy-tree.ts';
import type { PublicKeyRef, SignaturePolicy } from './signature.ts';
import { verifySignature } from './signature.ts';

/** The four initial policy inputs of §6.1.1 (c), (e), (f), (g). */
export interface PolicyInputs {
  readonly initialPolicySet: readonly string[];
  readonly initialExplicitPolicy: boolean;
  readonly initialPolicyMappingInhibit: boolean;
  readonly initialInhibitAnyPolicy: boolean;
}

export const DEFAULT_POLICY_INPUTS: PolicyInputs = {
  initialPolicySet: [OID.anyPolicy], initialExplicitPolicy: false, initialPolicyMappingInhibit: false, initialInhibitAnyPolicy: false,
};

export interface ProcessingResult {
  readonly issues: ValidationIssue[];
  readonly userConstrainedPolicySet: string[];
}

/** The trust anchor's contribution (§6.1.1 (d)): its name and key. */
export function anchorKey(anchor: Certificate): PublicKeyRef {
  return anchor;
}

/**
 * Runs §6.1.2-6.1.5. `chain` is leaf first and ends with the certificate the anchor issued.
 * Issues carry certIndex as the position in `chain` (0 = leaf).
 */
export async function processPath(
  chain: readonly Certificate[], anchor: Certificate, time: Date, sig: SignaturePolicy, inputs: PolicyInputs,
): Promise<ProcessingResult> {
  const issues: ValidationIssue[] = [];
  const n = chain.length;
  const tree = new PolicyTree();
  const nc = new NameConstraintState();
  let explicitPolicy = inputs.initialExplicitPolicy ? 0 : n + 1;
  let inhibitAnyPolicy = inputs.initialInhibitAnyPolicy ? 0 : n + 1;
  let policyMapping = inputs.initialPolicyMappingInhibit ? 0 : n + 1;
  // RFC 5937 §3: a trust anchor given as a certificate keeps its constraints, as OpenSSL, BoringSSL and Go keep them:
  // its name constraints are the initial subtrees (§6.1.1 (b)-(c)), its path length caps max_path_length (§6.1.1 (k)).
  if (anchor.ext.nameConstraints) nc.add(anchor.ext.nameConstraints);
  let maxPathLength = Math.min(n, anchor.ext.basicConstraints?.pathLen ?? n);
  let workingKey: PublicKeyRef = anchorKey(anchor);
  let workingIssuer = anchor.subject;
  let issuerLabel = label(anchor);

  for (let i = 1; i <= n; i++) {
    const cert = chain[n - i] as Certificate;
    const at = n - i;
    const who = `"${label(cert)}"`;
    // §6.1.3 (a)(1): the signature, with the working public key.
    if (cert.signatureAlgorithm.oid !== cert.tbsSignatureAlgorithm.oid) {
      issues.push(issue('SIGNATURE_ALGORITHM_MISMATCH', `The certificate ${who} names two different signature algorithms.`, at));
    }
    const s = await verifySignature(cert.tbs, cert.signatureAlgorithm, cert.signature, workingKey, sig);
    if (!s.ok) issues.push(issue(s.code, `The certificate ${who} cannot be trusted: ${s.why} ("${issuerLabel}").`, at));
    // (a)(2): validity.
    if (time < cert.notBefore) issues.push(issue('CERT_NOT_YET_VALID', `The certificate ${who} is not valid until ${isoDate(cert.notBefore)}.`, at));
    if (time > cert.notAfter) issues.push(issue('CERT_EXPIRED', `The certificate ${who} expired on ${isoDate(cert.notAfter)}.`, at));
    // (a)(4): name chaining (§7.1 comparison).
    if (!namesEqual(cert.issuer, workingIssuer)) {
      issues.push(issue('NAME_CHAINING', `The certificate ${who} names its issuer "${cert.issuer.text}", not "${workingIssuer.text}".`, at));
    }
    // (b)-(c): name constraints, except for self-issued intermediates.
    if (!(cert.selfIssued && i < n)) {
      const why = nc.check(cert);
      if (why) issues.push(issue('NAME_CONSTRAINTS_VIOLATION', `The certificate ${who} is outside its issuers' name constraints: ${why}.`, at));
    }
    // (d)-(e): certificate policies.
    if (cert.ext.policies) tree.processCertificate(i, cert.ext.policies, inhibitAnyPolicy > 0 || (i < n && cert.selfIssued));
    else tree.setNull();
    // (f)
    if (explicitPolicy <= 0 && tree.isNull) {
      issues.push(issue('POLICY_REQUIRED', `The path has no acceptable certificate policy at ${who}, and one is required.`, at));
    }

    if (i === n) break;
    // §6.1.4 (a)-(b): policy mappings.
    const mappings = cert.ext.policyMappings;
    if (mappings) {
      if (mappings.some((m) => m.issuer === OID.anyPolicy || m.subject === OID.anyPolicy)) {
        issues.push(issue('POLICY_MAPPING_ANY_POLICY', `The CA certificate ${who} maps to or from anyPolicy, which is not allowed.`, at));
      }
      tree.applyMappings(i, mappings.filter((m) => m.issuer !== OID.anyPolicy && m.subject !== OID.anyPolicy), policyMapping > 0);
    }
    // (c)-(f): the next working issuer name and key.
    workingIssuer = cert.subject;
    workingKey = cert;
    issuerLabel = label(cert);
    // (g): name constraints.
    if (cert.ext.nameConstraints) nc.add(cert.ext.nameConstraints);
    // (h)
    if (!cert.selfIssued) {
      if (explicitPolicy > 0) explicitPolicy--;
      if (policyMapping > 0) policyMapping--;
      if (inhibitAnyPolicy > 0) inhibitAnyPolicy--;
    }
    // (i)-(j)
    const pc = cert.ext.policyConstraints;
    if (pc?.requireExplicitPolicy !== undefined) explicitPolicy = Math.min(explicitPolicy, pc.requireExplicitPolicy);
    if (pc?.inhibitPolicyMapping !== undefined) policyMapping = Math.min(policyMapping, pc.inhibitPolicyMapping);
    if (cert.ext.inhibitAnyPolicy !== undefined) inhibitAnyPolicy = Math.min(inhibitAnyPolicy, cert.ext.inhibitAnyPolicy);
    // (k): only CA certificates may issue (v1/v2 intermediates are refused, there is no out-of-band proof).
    if (!cert.ext.basicConstraints?.ca) {
      issues.push(issue('NOT_A_CA', `The certificate ${who} is used as a certificate authority but is not marked as one.`, at));
    }
    // (l)-(m): path length.
    if (!cert.selfIssued) {
      if (maxPathLength <= 0) {
        issues.push(issue('PATH_LENGTH_EXCEEDED', `The certificate ${who} exceeds the path length allowed by the CAs above it.`, at));
      } else {
        maxPathLength--;
      }
    }
    const pathLen = cert.ext.basicConstraints?.pathLen;
    if (pathLen !== undefined && pathLen < maxPathLength) maxPathLength = pathLen;
    // (n): keyCertSign.
    if (cert.ext.keyUsage !== undefined && !(cert.ext.keyUsage & KU.keyCertSign)) {
      issues.push(issue('KEY_USAGE_NO_KEYCERTSIGN', `The CA certificate ${who} is not allowed to sign certificates (keyUsage lacks keyCertSign).`, at));
    }
    // (o): unknown critical extensions.
    if (cert.unknownCritical.length > 0) {
      issues.push(issue('UNKNOWN_CRITICAL_EXTENSION', `The certificate ${who} has a critical extension this validator does not understand (${cert.unknownCritical.join(', ')}).`, at));
    }
  }

  // §6.1.5 wrap-up on the leaf.
  const leaf = chain[0] as Certificate;
  if (explicitPolicy > 0) explicitPolicy--;
  if (leaf.ext.policyConstraints?.requireExplicitPolicy === 0) explicitPolicy = 0;
  if (leaf.unknownCritical.length > 0) {
    issues.push(issue('UNKNOWN_CRITICAL_EXTENSION', `The certificate "${label(leaf)}" has a critical extension this validator does not understand (${leaf.unknownCritical.join(', ')}).`, 0));
  }
  const userConstrainedPolicySet = tree.intersect(n, inputs.initialPolicySet);
  if (explicitPolicy <= 0 && userConstrainedPolicySet.length === 0 && !issues.some((x) => x.code === 'POLICY_REQUIRED')) {
    issues.push(issue('POLICY_REQUIRED', 'No certificate policy acceptable to this validator holds along the whole path, and one is required.'));
  }
  return { issues, userConstrainedPolicySet };
}
