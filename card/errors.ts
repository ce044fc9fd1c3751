// Typed card errors. Status words follow ISO/IEC 7816-4 §5.1.3 (table 6) and the
// PIV use of them in SP 800-73-4 Part 2 §3 (63 Cx, 69 83, 69 82, 6A 82).

/** Base class: every error card/ throws carries a stable `code`. */
export class CardError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * The transport failed (reader unplugged, card removed, USB error, T=1 link resynchronised).
 * `transportCode` is the transport's own stable code when it gave one (ccid/: CARD_REMOVED,
 * T1_RESYNCHRONISED...).
 */
export class CardTransportError extends CardError {
  readonly transportCode: string | undefined;
  constructor(message: string, options?: { cause?: unknown; transportCode?: string }) {
    super('CARD_TRANSPORT', message, options);
    this.transportCode = options?.transportCode;
  }
}

/** The card answered bytes that do not parse (short response, bad TLV, bad DER). */
export class MalformedResponseError extends CardError {
  constructor(message: string) {
    super('CARD_MALFORMED_RESPONSE', message);
  }
}

/** The caller passed something the card cannot take (bad PIN format, unknown slot). */
export class CardInputError extends CardError {
  constructor(message: string) {
    super('CARD_BAD_INPUT', message);
  }
}

/** The card or key does not support what was asked (algorithm, feature). */
export class UnsupportedError extends CardError {
  constructor(message: string) {
    super('CARD_UNSUPPORTED', message);
  }
}

/** A non-success status word. Subclasses name the common ones. */
export class StatusWordError extends CardError {
  readonly sw: number;
  constructor(sw: number, message: string, code = 'CARD_STATUS') {
    super(code, `${message} (status ${hexSw(sw)})`);
    this.sw = sw;
  }
}

/** 63 Cx: the PIN was wrong; `retriesLeft` attempts remain. */
export class PinIncorrectError extends StatusWordError {
  readonly retriesLeft: number;
  constructor(sw: number, retriesLeft: number) {
    super(sw, `The PIN is incorrect. ${retriesLeft} ${retriesLeft === 1 ? 'try' : 'tries'} left before the card blocks it`, 'PIN_INCORRECT');
    this.retriesLeft = retriesLeft;
  }
}

/** 69 83 (or 63 C0): the PIN is blocked; the PUK or an administrator must reset it. */
export class PinBlockedError extends StatusWordError {
  constructor(sw: number) {
    super(sw, 'The PIN is blocked. Unblock it with the PUK or ask your administrator', 'PIN_BLOCKED');
  }
}

/** 69 82: the operation needs a verified PIN (or management key) first. */
export class SecurityStatusNotSatisfiedError extends StatusWordError {
  constructor(sw: number) {
    super(sw, 'The card requires the PIN before this operation', 'SECURITY_STATUS_NOT_SATISFIED');
  }
}

/** 6A 82: the object, key or application does not exist on this card. */
export class FileNotFoundError extends StatusWordError {
  constructor(sw: number) {
    super(sw, 'The card has no such object or application', 'FILE_NOT_FOUND');
  }
}

/** 69 85: conditions of use not satisfied (for example no touch, wrong state). */
export class ConditionsNotSatisfiedError extends StatusWordError {
  constructor(sw: number) {
    super(sw, 'The card refused: conditions of use not satisfied', 'CONDITIONS_NOT_SATISFIED');
  }
}

/** 6A 80: the card rejected the data field. */
export class IncorrectDataError extends StatusWordError {
  constructor(sw: number) {
    super(sw, 'The card rejected the command data', 'INCORRECT_DATA');
  }
}

/** 67 00: wrong length. */
export class WrongLengthError extends StatusWordError {
  constructor(sw: number) {
    super(sw, 'The card rejected the command length', 'WRONG_LENGTH');
  }
}

/** 6D 00 / 6E 00 / 6A 81: instruction, class or function not supported. */
export class NotSupportedByCardError extends StatusWordError {
  constructor(sw: number) {
    super(sw, 'The card does not support this command', 'NOT_SUPPORTED_BY_CARD');
  }
}

/** 6A 86 / 6B 00: incorrect parameters P1-P2. */
export class IncorrectParametersError extends StatusWordError {
  constructor(sw: number) {
    super(sw, 'The card rejected the command parameters', 'INCORRECT_PARAMETERS');
  }
}

export function hexSw(sw: number): string {
  return sw.toString(16).toUpperCase().padStart(4, '0').replace(/^(..)/, '$1 ');
}

/** Maps a status word to its typed error (ISO/IEC 7816-4 §5.1.3). */
export function statusError(sw: number): StatusWordError {
  if ((sw & 0xfff0) === 0x63c0) {
    const left = sw & 0x0f;
    return left === 0 ? new PinBlockedError(sw) : new PinIncorrectError(sw, left);
  }
  switch (sw) {
    case 0x6983: return new PinBlockedError(sw);
    case 0x6982: return new SecurityStatusNotSatisfiedError(sw);
    case 0x6a82: return new FileNotFoundError(sw);
    case 0x6985: return new ConditionsNotSatisfiedError(sw);
    case 0x6a80: return new IncorrectDataError(sw);
    case 0x6700: return new WrongLengthError(sw);
    case 0x6d00: case 0x6e00: case 0x6a81: return new NotSupportedByCardError(sw);
    case 0x6a86: case 0x6b00: return new IncorrectParametersError(sw);
    default: return new StatusWordError(sw, 'The card returned an error');
  }
}
