/** Certificate status from CRLs: the algorithm of RFC 5280 §6.3.3, with delta CRLs (§5.2.4). */
import type { Certificate } from './certificate.ts';
import { label } from './certificate.ts';
import type { Crl, CrlEntry } from './crl.ts';
import type { DistributionPoint } from './extensions.ts';
import { KU } from './extensions.ts';
import type { GeneralName } from './general-name.ts';
import { generalNamesEqual } from './general-name.ts';
import type { DistinguishedName } from './name.ts';
import { appendRdn, namesEqual } from './name.ts';
import type { SignaturePolicy } from './signature.ts';
import { verifySignature } from './signature.ts';

/** ReasonFlags bits 1-8 (§4.2.1.13): every reason but `unused`. */
export const ALL_REASONS = 0x1fe;
const CERTIFICATE_HOLD = 6;
const REMOVE_FROM_CRL = 8;

/** §5.3.1: every revocation is final except certificateHold (undone by removeFromCRL). */
export function isFinalRevocation(reason: number | undefined): boolean {
  return reason !== CERTIFICATE_HOLD && reason !== REMOVE_FROM_CRL;
}

export type CertStatus =
  | { readonly status: 'good' }
  | { readonly status: 'revoked'; readonly date: Date; readonly reason?: number; readonly by: string }
  | { readonly status: 'unknown'; readonly why: string };

/** What the CRL check needs from the validation run. */
export interface CrlContext {
  readonly time: Date;
  readonly signature: SignaturePolicy;
  readonly crls: readonly Crl[];
  /** Certificates that may have signed a CRL: the pool and the anchor. */
  readonly candidates: readonly Certificate[];
  /** Whether `signer` has a valid path to `anchor` (§6.3.3 (f)); the anchor itself is trusted. */
  validateSigner(signer: Certificate, anchor: Certificate): Promise<boolean>;
  /** Told of each complete CRL that is in scope, fresh, and signed by a valid signer, and of the delta CRL used with it (the fetch cache keeps only those). */
  verified?(crl: Crl): void;
}

function fresh(crl: Crl, time: Date): boolean {
  return crl.thisUpdate <= time && (crl.nextUpdate === undefined || crl.nextUpdate >= time);
}

function dnNames(names: readonly GeneralName[] | undefined): DistinguishedName[] {
  return (names ?? []).flatMap((g) => (g.kind === 'dn' ? [g.name] : []));
}

/** A distribution point's full names, resolving a name relative to the CRL issuer. */
function dpNames(fullName: readonly GeneralName[] | undefined, relative: DistributionPoint['relativeName'], crlIssuer: DistinguishedName): GeneralName[] {
  if (fullName) return [...fullName];
  if (relative) return [{ kind: 'dn', name: appendRdn(crlIssuer, relative) }];
  return [];
}

/** §6.3.3 (b): is the complete CRL's issuer and scope right for this certificate and DP? */
function inScope(crl: Crl, cert: Certificate, dp: DistributionPoint): boolean {
  // (b)(1): issuer.
  if (dp.crlIssuer) {
    if (!dnNames(dp.crlIssuer).some((n) => namesEqual(n, crl.issuer)) || !crl.idp?.indirectCRL) return false;
  } else if (!namesEqual(crl.issuer, cert.issuer)) {
    return false;
  }
  const idp = crl.idp;
  if (!idp) return true;
  // (b)(2)(i): distribution point names.
  const idpNames = dpNames(idp.fullName, idp.relativeName, crl.issuer);
  if (idpNames.length > 0) {
    const certNames = dp.fullName || dp.relativeName
      ? dpNames(dp.fullName, dp.relativeName, dp.crlIssuer ? (dnNames(dp.crlIssuer)[0] ?? crl.issuer) : cert.issuer)
      : (dp.crlIssuer ?? []);
    if (!idpNames.some((a) => certNames.some((b) => generalNamesEqual(a, b)))) return false;
  }
  // (b)(2)(ii)-(iv): the kinds of certificate covered.
  const isCa = cert.ext.basicConstraints?.ca === true;
  if (idp.onlyContainsUserCerts && isCa) return false;
  if (idp.onlyContainsCACerts && !isCa) return false;
  return !idp.onlyContainsAttributeCerts;
}

function findEntry(crl: Crl, cert: Certificate): CrlEntry | undefined {
  return crl.entries.find((e) => e.serialKey === cert.serialKey && namesEqual(e.certificateIssuer, cert.issuer));
}

/** §6.3.3 (f)-(g): a certificate that signed `crl`, may sign CRLs, and chains to `anchor`. */
async function crlSigner(crl: Crl, cert: Certificate, issuer: Certificate, anchor: Certificate, ctx: CrlContext): Promise<Certificate | string> {
  const seen = new Set<string>();
  const candidates = [issuer, anchor, ...ctx.candidates].filter((c) => {
    if (seen.has(c.id) || !namesEqual(c.subject, crl.issuer)) return false;
    seen.add(c.id);
    return true;
  });
  let why = `no certificate of "${crl.issuer.text}" that verifies its signature was found`;
  for (const c of candidates) {
    const s = await verifySignature(crl.tbs, crl.signatureAlgorithm, crl.signature, c, ctx.signature);
    if (!s.ok) {
      if (s.code !== 'SIGNATURE_INVALID') why = s.why;
      continue;
    }
    if (c.ext.keyUsage !== undefined && !(c.ext.keyUsage & KU.cRLSign)) {
      why = `its signer "${label(c)}" is not allowed to sign CRLs (keyUsage lacks cRLSign)`;
      continue;
    }
    // The issuer in the path is validated by the path itself, and so is a CRL issuer reporting
    // on its own certificate (PKITS 4.14.30); another signer needs its own path.
    if (c === issuer || c.id === anchor.id || c.id === cert.id) return c;
    if (await ctx.validateSigner(c, anchor)) return c;
    why = `its signer "${label(c)}" is not itself valid`;
  }
  return why;
}

/** A delta CRL for `base` (§5.2.4, §6.3.3 (c), (h)): same issuer, scope and key, fresh, newer base. */
async function deltaFor(base: Crl, signer: Certificate, ctx: CrlContext): Promise<Crl | undefined> {
  let best: Crl | undefined;
  for (const d of ctx.crls) {
    if (d.baseCrlNumber === undefined || d.unknownCritical.length > 0 || !fresh(d, ctx.time)) continue;
    if (!namesEqual(d.issuer, base.issuer) || (d.idp?.key ?? '') !== (base.idp?.key ?? '')) continue;
    if (base.crlNumber === undefined || d.baseCrlNumber > base.crlNumber) continue;
    if (d.crlNumber !== undefined && d.crlNumber <= base.crlNumber) continue;
    if (!(await verifySignature(d.tbs, d.signatureAlgorithm, d.signature, signer, ctx.signature)).ok) continue;
    if (!best || (d.crlNumber ?? -1n) > (best.crlNumber ?? -1n)) best = d;
  }
  return best;
}

function revokedBy(entry: CrlEntry, signer: Certificate): CertStatus {
  return {
    status: 'revoked', date: entry.revocationDate, by: label(signer),
    ...(entry.reason === undefined ? {} : { reason: entry.reason }),
  };
}

/** The status of `cert` (issued by `issuer`) from the CRLs at hand. */
export async function crlStatus(cert: Certificate, issuer: Certificate, anchor: Certificate, ctx: CrlContext): Promise<CertStatus> {
  const dps: DistributionPoint[] = cert.ext.crlDistributionPoints ?? [{}];
  let reasonsMask = 0;
  let why = `no CRL from "${cert.issuer.text}" was available`;
  for (const dp of dps) {
    for (const crl of ctx.crls) {
      if ((reasonsMask & ALL_REASONS) === ALL_REASONS) break;
      if (crl.baseCrlNumber !== undefined) continue; // a delta CRL is never a complete CRL
      if (!inScope(crl, cert, dp)) continue;
      if (crl.unknownCritical.length > 0) {
        why = `the CRL from "${crl.issuer.text}" has a critical extension this validator does not understand`;
        continue;
      }
      if (!fresh(crl, ctx.time)) {
        why = `the CRL from "${crl.issuer.text}" is out of date`;
        // A final revocation on an authentic CRL that has since lapsed still happened: a lapsed CRL says nothing
        // of the status now, but it does say "revoked" (a CA that stopped publishing must not bring its revoked
        // certificates back, even where an unknown status is only a warning).
        const entry = crl.thisUpdate <= ctx.time ? findEntry(crl, cert) : undefined;
        if (entry && isFinalRevocation(entry.reason) && entry.revocationDate <= ctx.time) {
          const signer = await crlSigner(crl, cert, issuer, anchor, ctx);
          if (typeof signer !== 'string') return revokedBy(entry, signer);
        }
        continue;
      }
      // (d)-(e): the reasons this CRL adds.
      const interim = (crl.idp?.onlySomeReasons ?? ALL_REASONS) & (dp.reasons ?? ALL_REASONS);
      if ((interim & ~reasonsMask & ALL_REASONS) === 0) continue;
      const signer = await crlSigner(crl, cert, issuer, anchor, ctx);
      if (typeof signer === 'string') {
        why = `the CRL from "${crl.issuer.text}" cannot be used: ${signer}`;
        continue;
      }
      ctx.verified?.(crl);
      // (i)-(k): the delta first, then the complete CRL; removeFromCRL means not revoked.
      const delta = await deltaFor(crl, signer, ctx);
      if (delta) ctx.verified?.(delta);
      const entry = (delta ? findEntry(delta, cert) : undefined) ?? findEntry(crl, cert);
      if (entry && entry.reason !== REMOVE_FROM_CRL) return revokedBy(entry, signer);
      // §4.2.1.15, §5.2.6: where the certificate or the CRL names delta CRLs, the complete CRL alone is not the
      // current status (a revocation since it was issued is only in the delta): it is not complete without one.
      if (!delta && (cert.ext.freshestCrl !== undefined || crl.freshestCrl !== undefined)) {
        why = `the CRL from "${crl.issuer.text}" has delta CRLs (freshestCRL), and no current delta CRL for it was at hand`;
        continue;
      }
      reasonsMask |= interim;
    }
  }
  if ((reasonsMask & ALL_REASONS) === ALL_REASONS) return { status: 'good' };
  if (reasonsMask !== 0) why = 'the CRLs at hand do not cover every revocation reason';
  return { status: 'unknown', why };
}
