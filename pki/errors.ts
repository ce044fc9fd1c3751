/** Typed errors and the stable issue codes of pki/. */

/** Thrown only for input that cannot be parsed at all (bad DER, bad PEM). */
export class PkiParseError extends Error {
  override readonly name = 'PkiParseError';
  constructor(readonly code: 'MALFORMED_DER' | 'MALFORMED_PEM' | 'UNSUPPORTED_VERSION', message: string) {
    super(message);
  }
}

/** Stable codes of validation issues; a UI maps them to its own wording if it wants. */
export type IssueCode =
  | 'MALFORMED_CERTIFICATE'
  | 'NO_PATH'
  | 'PATH_WORK_LIMIT'
  | 'SIGNATURE_INVALID'
  | 'SIGNATURE_ALGORITHM_UNSUPPORTED'
  | 'SIGNATURE_ALGORITHM_WEAK'
  | 'SIGNATURE_ALGORITHM_MISMATCH'
  | 'CERT_NOT_YET_VALID'
  | 'CERT_EXPIRED'
  | 'NAME_CHAINING'
  | 'NOT_A_CA'
  | 'PATH_LENGTH_EXCEEDED'
  | 'KEY_USAGE_NO_KEYCERTSIGN'
  | 'NAME_CONSTRAINTS_VIOLATION'
  | 'POLICY_MAPPING_ANY_POLICY'
  | 'POLICY_REQUIRED'
  | 'UNKNOWN_CRITICAL_EXTENSION'
  | 'MALFORMED_EXTENSION'
  | 'REVOKED'
  | 'REVOCATION_UNKNOWN'
  | 'LEAF_KEY_USAGE'
  | 'LEAF_EKU'
  | 'INTERNAL_ERROR';

export interface ValidationIssue {
  readonly code: IssueCode;
  /** Index in the returned path: 0 is the leaf. Absent for whole-path issues. */
  readonly certIndex?: number;
  /** A sentence a person understands. */
  readonly detail: string;
}

export function issue(code: IssueCode, detail: string, certIndex?: number): ValidationIssue {
  return certIndex === undefined ? { code, detail } : { code, detail, certIndex };
}

/** A message made a clause inside a longer sentence: without its final full stop. */
export function clause(message: string): string {
  return message.replace(/\.$/, '');
}
