// Typed errors of the card identity layer. Each has a stable `code`; messages are sentences a person can act on.
import type { ValidationIssue } from '../pki/index.ts';

export type IdentityErrorCode =
  | 'KEY_UNSUPPORTED'
  | 'ALGORITHM_UNSUPPORTED'
  | 'SIGNATURE_MALFORMED'
  | 'NO_CERTIFICATE'
  | 'CERTIFICATE_REJECTED'
  | 'CERTIFICATE_KEY_MISMATCH'
  | 'OPENSSH_CERTIFICATE_MISMATCH'
  | 'PIN_CANCELLED'
  | 'PIN_INCORRECT'
  | 'PIN_BLOCKED'
  | 'CARD_REMOVED'
  | 'NO_CARD_APPLICATION'
  | 'CARD_RESET'
  | 'CARD_DESYNCHRONIZED'
  | 'READER_WEDGED'
  | 'HOST_NAME_MISMATCH';

export class IdentityError extends Error {
  readonly code: IdentityErrorCode;
  constructor(code: IdentityErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IdentityError';
    this.code = code;
  }
}

/** The pre-sign gate refused the card certificate: nothing was signed. `reasons` are pki/'s sentences. */
export class GateError extends IdentityError {
  readonly reasons: readonly ValidationIssue[];
  constructor(code: 'NO_CERTIFICATE' | 'CERTIFICATE_REJECTED' | 'CERTIFICATE_KEY_MISMATCH', reasons: readonly ValidationIssue[], lead: string) {
    super(code, [lead, ...reasons.map((r) => r.detail)].join(' '));
    this.name = 'GateError';
    this.reasons = reasons;
  }
}

/** A wrong PIN: one attempt was spent and none is made again automatically. */
export class PinError extends IdentityError {
  readonly retriesLeft: number | undefined;
  constructor(code: 'PIN_CANCELLED' | 'PIN_INCORRECT' | 'PIN_BLOCKED', message: string, retriesLeft?: number, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'PinError';
    this.retriesLeft = retriesLeft;
  }
}
