/** validatePath: build candidate paths, validate each (RFC 5280 §6.1, §6.3), return the decision with reasons. */
import { isoDate } from './bytes.ts';
import type { Certificate } from './certificate.ts';
import { label, parseCertificate } from './certificate.ts';
import type { Crl } from './crl.ts';
import { REASON_NAMES, parseCrl } from './crl.ts';
import type { ValidationIssue } from './errors.ts';
import { PkiParseError, clause, issue } from './errors.ts';
import type { LeafPolicy } from './leaf-policy.ts';
import { checkLeafPolicy } from './leaf-policy.ts';
import type { BuildLimits, BuildState } from './path-builder.ts';
import { DEFAULT_LIMITS, buildPaths } from './path-builder.ts';
import type { PolicyInputs } from './path-processing.ts';
import { DEFAULT_POLICY_INPUTS, processPath } from './path-processing.ts';
import type { RevocationOptions } from './revocation.ts';
import { RevocationChecker } from './revocation.ts';
import type { CertStatus } from './revocation-crl.ts';
import type { SignaturePolicy } from './signature.ts';

export interface ValidationPolicy {
  /** Refused by default (SIGNATURE_ALGORITHM_WEAK). */
  readonly allowSha1?: boolean;
  /** RFC 5280 §6.1.1 inputs; default: any policy, nothing required or inhibited. */
  readonly policies?: Partial<PolicyInputs>;
  /** Checks on the end certificate (card or host policy); none by default. */
  readonly leaf?: LeafPolicy;
  readonly limits?: Partial<BuildLimits>;
}

export type CertInput = Certificate | Uint8Array;

export interface ValidateInput {
  readonly leaf: CertInput;
  readonly intermediates?: readonly CertInput[];
  readonly anchors: readonly CertInput[];
  /** Validation time; now by default. */
  readonly time?: Date;
  readonly policy?: ValidationPolicy;
  /** Revocation checking; `require` with no data at hand fails closed. Default: require. */
  readonly revocation?: RevocationOptions;
}

export interface ValidationResult {
  readonly valid: boolean;
  /** Leaf first, trust anchor last; empty when no path was found. */
  readonly path: readonly Certificate[];
  readonly errors: readonly ValidationIssue[];
  /** Soft-fail notes (revocation `prefer`), never a reason to refuse. */
  readonly warnings: readonly ValidationIssue[];
  /** RFC 5280 §6.1.6: the policies the path is valid for (empty if none or invalid). */
  readonly userConstrainedPolicySet: readonly string[];
}

interface Run {
  readonly time: Date;
  readonly sig: SignaturePolicy;
  readonly pool: readonly Certificate[];
  readonly limits: BuildLimits;
  readonly revocation: RevocationChecker;
  /** Signer validations in progress or done, for CRL issuers (§6.3.3 (f)); guards cycles. */
  readonly signers: Map<string, Promise<boolean>>;
  readonly inProgress: Set<string>;
  readonly depth: number;
  /** Why given anchors or intermediates could not be read: said when no path is found. */
  readonly unreadableCerts: readonly string[];
}

function toCert(c: CertInput): Certificate {
  return c instanceof Uint8Array ? parseCertificate(c) : c;
}

/** Parses what can be parsed; a broken certificate is skipped, never fatal, and why goes into `notes` for the verdict. */
function toCerts(list: readonly CertInput[], what: string, notes: string[]): Certificate[] {
  const out: Certificate[] = [];
  for (const [n, c] of list.entries()) {
    try {
      out.push(toCert(c));
    } catch (err) {
      if (!(err instanceof PkiParseError)) throw err;
      notes.push(`${what} ${n + 1} could not be read: ${clause(err.message)}`);
    }
  }
  return out;
}

function describeStatus(cert: Certificate, s: CertStatus): string {
  if (s.status === 'revoked') {
    const reason = s.reason === undefined || s.reason === 0 ? '' : ` (${REASON_NAMES[s.reason] ?? `reason ${s.reason}`})`;
    return `The certificate "${label(cert)}" was revoked on ${isoDate(s.date)} by ${s.by}${reason}.`;
  }
  return s.status === 'unknown' ? `The revocation status of "${label(cert)}" is unknown: ${s.why}.` : '';
}

async function validateChain(
  chain: readonly Certificate[], anchor: Certificate, run: Run, inputs: PolicyInputs, leafPolicy: LeafPolicy | undefined,
  alwaysRevocation = false,
): Promise<{ errors: ValidationIssue[]; warnings: ValidationIssue[]; policies: string[] }> {
  const { issues, userConstrainedPolicySet } = await processPath(chain, anchor, run.time, run.sig, inputs);
  const errors = [...issues];
  const warnings: ValidationIssue[] = [];
  if (leafPolicy) errors.push(...checkLeafPolicy(chain[0] as Certificate, leafPolicy));
  // Revocation only for a path that is otherwise sound (it is the costly part), or to complete
  // the reasons given for the path finally reported.
  if ((errors.length === 0 || alwaysRevocation) && run.revocation.mode !== 'off') {
    for (let i = 0; i < chain.length; i++) {
      const cert = chain[i] as Certificate;
      const issuer = chain[i + 1] ?? anchor;
      const s = await run.revocation.status(cert, issuer, anchor, (signer, a) => validateSigner(signer, a, run));
      if (s.status === 'revoked') errors.push(issue('REVOKED', describeStatus(cert, s), i));
      else if (s.status === 'unknown') {
        const x = issue('REVOCATION_UNKNOWN', describeStatus(cert, s), i);
        if (run.revocation.mode === 'require') errors.push(x);
        else warnings.push(x);
      }
    }
  }
  return { errors, warnings, policies: userConstrainedPolicySet };
}

/** §6.3.3 (f): a CRL signer other than the path's own issuer needs a valid path to the same anchor. */
function validateSigner(signer: Certificate, anchor: Certificate, run: Run): Promise<boolean> {
  const key = `${signer.id}/${anchor.id}`;
  // A cycle (a signer whose own status depends on itself) sees `false`: it cannot vouch for itself.
  if (run.inProgress.has(key) || run.depth >= 4) return Promise.resolve(false);
  const known = run.signers.get(key);
  if (known) return known;
  const p = (async () => {
    run.inProgress.add(key);
    try {
      const r = await search(signer, [anchor], { ...run, depth: run.depth + 1 }, DEFAULT_POLICY_INPUTS, undefined);
      return r.valid;
    } finally {
      run.inProgress.delete(key);
    }
  })();
  run.signers.set(key, p);
  return p;
}

async function search(
  leaf: Certificate, anchors: readonly Certificate[], run: Run, inputs: PolicyInputs, leafPolicy: LeafPolicy | undefined,
): Promise<ValidationResult> {
  const state: BuildState = { exhausted: false };
  let best: { chain: readonly Certificate[]; anchor: Certificate; errors: number } | undefined;
  for (const { chain, anchor } of buildPaths(leaf, run.pool, anchors, run.time, run.limits, state)) {
    const r = await validateChain(chain, anchor, run, inputs, leafPolicy);
    if (r.errors.length === 0) {
      return { valid: true, path: [...chain, anchor], errors: [], warnings: r.warnings, userConstrainedPolicySet: r.policies };
    }
    if (!best || r.errors.length < best.errors) best = { chain, anchor, errors: r.errors.length };
  }
  if (best) {
    // The path that came closest, with every reason, revocation included; and, if a limit cut the search, that
    // other paths were not tried (a certificate may be valid through one of them).
    const r = await validateChain(best.chain, best.anchor, run, inputs, leafPolicy, true);
    const errors = state.exhausted ? [...r.errors, workLimit(leaf, run.limits)] : r.errors;
    return { valid: false, path: [...best.chain, best.anchor], errors, warnings: r.warnings, userConstrainedPolicySet: [] };
  }
  return { valid: false, path: [], errors: [noPath(leaf, anchors, state, run)], warnings: [], userConstrainedPolicySet: [] };
}

function workLimit(leaf: Certificate, limits: BuildLimits): ValidationIssue {
  return issue('PATH_WORK_LIMIT', `Path building for "${label(leaf)}" stopped at its work limit (${limits.maxPaths} candidate paths, ${limits.maxSteps} steps); other paths were not tried.`);
}

/** Why no candidate path was found: a limit, or the certificate where the longest attempt ended. */
function noPath(leaf: Certificate, anchors: readonly Certificate[], state: BuildState, run: Run): ValidationIssue {
  const who = `"${label(leaf)}"`;
  const { limits } = run;
  const notes = run.unreadableCerts.length > 0 ? `; ${run.unreadableCerts.join('; ')}` : '';
  if (anchors.length === 0) return issue('NO_PATH', `"${label(leaf)}" cannot be checked: there is no trusted anchor to check it against${notes}.`);
  if (state.exhausted) return issue('PATH_WORK_LIMIT', `Path building for ${who} stopped at its work limit without finding a path.`);
  // A cut path is as long as any: it explains more than a shorter dead end.
  if (state.depthCut) {
    return issue('PATH_WORK_LIMIT', `No chain of at most ${limits.maxDepth} certificates links ${who} to a trusted anchor; longer chains are not followed.`);
  }
  const end = state.deadEnd;
  const why = !end || end.cert === leaf
    ? leaf.selfIssued ? 'it is self-signed and is not one of the trusted anchors' : `its issuer "${leaf.issuer.text}" was not found`
    : end.cert.selfIssued ? `"${label(end.cert)}" is self-signed and is not one of the trusted anchors`
      : end.loop ? `"${label(end.cert)}" leads only back to certificates already in the chain`
        : `the issuer "${end.cert.issuer.text}" of "${label(end.cert)}" was not found`;
  return issue('NO_PATH', `No chain of certificates links ${who} to a trusted anchor (${why}${notes}).`);
}

/** Validates `leaf` against `anchors`. Never throws for an invalid chain or malformed input. */
export async function validatePath(input: ValidateInput): Promise<ValidationResult> {
  let leaf: Certificate;
  try {
    leaf = toCert(input.leaf);
  } catch (err) {
    if (!(err instanceof PkiParseError)) throw err;
    return { valid: false, path: [], errors: [issue('MALFORMED_CERTIFICATE', `The certificate cannot be read: ${err.message}`, 0)], warnings: [], userConstrainedPolicySet: [] };
  }
  const unreadableCerts: string[] = [];
  const anchors = toCerts(input.anchors, 'trusted anchor', unreadableCerts);
  const pool = toCerts(input.intermediates ?? [], 'intermediate certificate', unreadableCerts);
  const crls: Crl[] = [];
  const unreadable: string[] = [];
  for (const [n, c] of (input.revocation?.crls ?? []).entries()) {
    try {
      crls.push(c instanceof Uint8Array ? parseCrl(c) : c);
    } catch (err) {
      if (!(err instanceof PkiParseError)) throw err;
      unreadable.push(`supplied CRL ${n + 1} could not be read: ${clause(err.message)}`);
    }
  }
  const policy = input.policy ?? {};
  const run: Run = {
    time: input.time ?? new Date(),
    sig: { allowSha1: policy.allowSha1 ?? false },
    pool,
    limits: { ...DEFAULT_LIMITS, ...policy.limits },
    revocation: new RevocationChecker(input.revocation ?? { mode: 'require' }, crls, [...pool, ...anchors], input.time ?? new Date(), { allowSha1: policy.allowSha1 ?? false }, unreadable),
    signers: new Map(),
    inProgress: new Set(),
    depth: 0,
    unreadableCerts,
  };
  try {
    return await search(leaf, anchors, run, { ...DEFAULT_POLICY_INPUTS, ...policy.policies }, policy.leaf);
  } catch (err) {
    // Fail closed: a fault in this validator refuses the certificate instead of crashing the page.
    const why = err instanceof Error ? err.message : String(err);
    return { valid: false, path: [], errors: [issue('INTERNAL_ERROR', `The certificate could not be checked (${why}), so it is refused.`)], warnings: [], userConstrainedPolicySet: [] };
  }
}
