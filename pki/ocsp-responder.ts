/** Who may sign an OCSP response about a certificate: its CA, or a responder the CA authorised (RFC 6960 §4.2.2.2). */
import { ab, bytesEqual } from './bytes.ts';
import type { Certificate } from './certificate.ts';
import { label } from './certificate.ts';
import { KU } from './extensions.ts';
import { namesEqual } from './name.ts';
import type { OcspResponse } from './ocsp.ts';
import { OID } from './oids.ts';
import type { SignaturePolicy } from './signature.ts';
import { verifySignature } from './signature.ts';

export interface ResponderCheck {
  readonly time: Date;
  readonly signature: SignaturePolicy;
  /**
   * Why a delegated responder certificate without id-pkix-ocsp-nocheck cannot be used because of its own revocation
   * status (revoked, or unknown under `require`), or undefined when it can (§4.2.2.2.1).
   */
  readonly responderRevocation: (responder: Certificate, issuer: Certificate) => Promise<string | undefined>;
}

/** The signer, or why no certificate in the response may sign it. */
export type ResponderResult = { readonly signer: Certificate } | { readonly why: string };

async function matchesResponder(resp: OcspResponse, c: Certificate): Promise<boolean> {
  if (resp.responderName) return namesEqual(resp.responderName, c.subject);
  if (resp.responderKeyHash) return bytesEqual(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-1', ab(c.publicKey))), resp.responderKeyHash);
  return false;
}

/** Why `c`, named as the responder, is not a responder `issuer` authorised; undefined when it is. */
async function delegationProblem(c: Certificate, issuer: Certificate, check: ResponderCheck): Promise<string | undefined> {
  const who = `the OCSP responder certificate "${label(c)}"`;
  // §4.2.2.2: issued directly by the CA that issued the certificate in question, for id-kp-OCSPSigning.
  if (!namesEqual(c.issuer, issuer.subject)) return `${who} is not issued by "${label(issuer)}"`;
  if (!(c.ext.extKeyUsage ?? []).includes(OID.kpOcspSigning)) return `${who} is not authorized for OCSP signing (id-kp-OCSPSigning)`;
  if (check.time < c.notBefore || check.time > c.notAfter) return `${who} is not valid at this time`;
  // RFC 5280 §4.2: a critical extension we do not know; §4.2.1.3: a keyUsage must allow the signature.
  if (c.unknownCritical.length > 0) return `${who} has an unknown critical extension (${c.unknownCritical.join(', ')})`;
  if (c.ext.keyUsage !== undefined && (c.ext.keyUsage & KU.digitalSignature) === 0) return `${who} does not allow digital signatures (keyUsage)`;
  const s = await verifySignature(c.tbs, c.signatureAlgorithm, c.signature, issuer, check.signature);
  if (!s.ok) return `${who} is not signed by "${label(issuer)}": ${s.why}`;
  // §4.2.2.2.1: unless the CA marked it id-pkix-ocsp-nocheck, the responder's own status must be checked.
  if (!c.ext.ocspNoCheck) return check.responderRevocation(c, issuer);
  return undefined;
}

export async function authorizedResponder(resp: OcspResponse, issuer: Certificate, check: ResponderCheck): Promise<ResponderResult> {
  if (await matchesResponder(resp, issuer)) return { signer: issuer };
  let why = 'the OCSP response is not signed by the issuing CA or a responder it authorized';
  for (const c of resp.certs) {
    if (!(await matchesResponder(resp, c))) continue;
    const problem = await delegationProblem(c, issuer, check);
    if (problem === undefined) return { signer: c };
    why = problem;
  }
  return { why };
}
