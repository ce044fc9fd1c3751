// The pre-sign gate (ARCHITECTURE.md, "Trust decisions"): before the first signature of a session the card
// certificate must validate under the configured policy (RFC 5280 §6.1 path, CARD_POLICY key usage and EKU,
// revocation by CRL or OCSP) and certify the very key on the card. Kiosk: any failure means no signature.
// Personal: only an explicit override callback can let a refused certificate sign.
import { certificateSpki } from '../card/index.ts';
import {
  CARD_POLICY, PkiParseError, cardIdentity, validatePath,
  type CardIdentity, type LeafPolicy, type RevocationOptions, type ValidationIssue, type ValidationResult,
} from '../pki/index.ts';
import { GateError } from './errors.ts';
import { sameBytes } from './bytes.ts';

export type GateMode = 'kiosk' | 'personal';

export interface GatePolicy {
  readonly mode: GateMode;
  /** DER trust anchors (the card CAs this site trusts). */
  readonly anchors: readonly Uint8Array[];
  /** Intermediate CA certificates known to the page (the card's own chain is added). */
  readonly intermediates?: readonly Uint8Array[];
  /** The EKUs a card certificate may carry; default CARD_POLICY's (clientAuth, secureShellClient, smartcardLogon, any). */
  readonly allowedEkus?: readonly string[];
  /** CRL/OCSP: mode require/prefer/off, supplied data, and an injectable fetch (through the relay in the page). */
  readonly revocation: RevocationOptions;
  /** Validation time, now by default. */
  readonly time?: () => Date;
  /** Accept SHA-1 (refused by default): in certificate signatures, and x509v3-ssh-rsa user auth (RFC 6187 §3.1). */
  readonly allowSha1?: boolean;
  /** Personal mode only: asked with the refusal; true lets this one session sign anyway. Never called in kiosk mode. */
  readonly override?: (refusal: GateError) => Promise<boolean>;
}

export interface GateDecision {
  readonly certificate: Uint8Array;
  /** Leaf first, anchor last (empty when an override let an invalid certificate through). */
  readonly path: readonly Uint8Array[];
  readonly identity: CardIdentity | undefined;
  readonly overridden: boolean;
  readonly warnings: readonly ValidationIssue[];
}

export interface GateInput {
  readonly certificate: Uint8Array | undefined;
  readonly chain?: readonly Uint8Array[];
  /**
   * The key the card will sign with, from a source independent of the certificate when there is one (YubiKey
   * GET METADATA, OpenPGP's public key DO); otherwise the key the card layer reports.
   */
  readonly keySpki: Uint8Array;
  readonly keyLabel: string;
}

function leafPolicy(policy: GatePolicy): LeafPolicy {
  return policy.allowedEkus ? { ...CARD_POLICY, allowedEkus: policy.allowedEkus } : CARD_POLICY;
}

async function refuse(policy: GatePolicy, error: GateError, certificate: Uint8Array | undefined): Promise<GateDecision> {
  if (policy.mode === 'personal' && policy.override && certificate && await policy.override(error)) {
    return { certificate, path: [], identity: undefined, overridden: true, warnings: error.reasons };
  }
  throw error;
}

/** Decides whether the card key may sign. Throws GateError with pki/'s reasons, or returns the decision. */
export async function checkCardCertificate(input: GateInput, policy: GatePolicy): Promise<GateDecision> {
  const { certificate } = input;
  if (!certificate) {
    const err = new GateError('NO_CERTIFICATE', [], `The card key "${input.keyLabel}" has no certificate, so it cannot be checked before signing.`);
    return refuse(policy, err, undefined);
  }
  let certSpki: Uint8Array;
  let result: ValidationResult;
  try {
    certSpki = certificateSpki(certificate);
    result = await validatePath({
      leaf: certificate,
      intermediates: [...(input.chain ?? []), ...(policy.intermediates ?? [])],
      anchors: policy.anchors,
      time: policy.time?.() ?? new Date(),
      policy: { leaf: leafPolicy(policy), ...(policy.allowSha1 ? { allowSha1: true } : {}) },
      revocation: policy.revocation,
    });
  } catch (err) {
    // Garbage DER from the card is a refusal with a reason, never a crash (card/ and pki/ both type their parse errors).
    if (!(err instanceof PkiParseError) && !(err instanceof Error && 'code' in err)) throw err;
    const issue: ValidationIssue = { code: 'MALFORMED_CERTIFICATE', certIndex: 0, detail: err.message };
    const e = new GateError('CERTIFICATE_REJECTED', [issue], `The certificate of "${input.keyLabel}" cannot be read.`);
    return refuse(policy, e, certificate);
  }
  // The certificate must certify the key that will sign (ARCHITECTURE.md): a stale certificate left in a slot
  // after the key was regenerated would otherwise vouch for a different key.
  if (!sameBytes(certSpki, input.keySpki)) {
    const e = new GateError('CERTIFICATE_KEY_MISMATCH', [], `The certificate in "${input.keyLabel}" is for a different key than the one on the card; nothing was signed.`);
    return refuse(policy, e, certificate);
  }
  if (!result.valid) {
    const e = new GateError('CERTIFICATE_REJECTED', result.errors, `The card certificate of "${input.keyLabel}" was refused, so nothing was signed:`);
    return refuse(policy, e, certificate);
  }
  let identity: CardIdentity | undefined;
  try {
    identity = cardIdentity(result.path[0]!);
  } catch {
    identity = undefined;
  }
  return { certificate, path: result.path.map((c) => c.der), identity, overridden: false, warnings: result.warnings };
}
