/**
 * Typed errors of the CCID driver. Each carries a stable `code` the UI maps to a sentence;
 * the message itself is already a sentence a person can act on.
 */
export class CcidError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The reader answered something that breaks CCID 1.1 §6.2 (bad length, type, bSeq...). */
export class CcidProtocolError extends CcidError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CCID_PROTOCOL', message, options);
  }
}

/** The reader reported a failed command (bmCommandStatus = 1), CCID 1.1 §6.2.6. */
export class CcidSlotError extends CcidError {
  readonly bError: number;
  readonly bStatus: number;
  constructor(bStatus: number, bError: number, message: string) {
    super('CCID_SLOT_ERROR', message);
    this.bError = bError;
    this.bStatus = bStatus;
  }
}

/** The card left the slot: the command in flight and every later one fail with this. */
export class CardRemovedError extends CcidError {
  constructor(message = 'The card was removed from the reader. Insert it again to continue.') {
    super('CARD_REMOVED', message);
  }
}

/** No card is present in the slot. */
export class NoCardError extends CcidError {
  constructor(message = 'There is no card in the reader. Insert a card.') {
    super('NO_CARD', message);
  }
}

/** The reader cannot be driven by this driver (character level, no usable endpoints...). */
export class UnsupportedReaderError extends CcidError {
  constructor(message: string) {
    super('UNSUPPORTED_READER', message);
  }
}

/** Another program (usually pcscd) holds the reader's interface. */
export class ReaderBusyError extends CcidError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('READER_BUSY', message, options);
  }
}

/** The reader did not answer in time (after any time extensions it asked for). */
export class CcidTimeoutError extends CcidError {
  constructor(message: string, code: 'CCID_TIMEOUT' | 'READER_WEDGED' = 'CCID_TIMEOUT') {
    super(code, message);
  }
}

/**
 * A command the reader would not take could be neither cancelled (CCID 1.1 §5.3.1 ABORT) nor swept away by a USB reset:
 * the reader may still run it later, so nothing more is sent to it. Still a timeout to callers that only know those.
 */
export class ReaderWedgedError extends CcidTimeoutError {
  constructor(message = 'The reader stopped taking commands and could not be reset. Unplug it and plug it in again.') {
    super(message, 'READER_WEDGED');
  }
}

/**
 * An earlier command to an ICCD token timed out, and ICCD (rev 1.0 §6.3) numbers no answers: the token's late answer
 * to it could be taken for the next one's. No command is sent until the card is connected again (power off and on).
 */
export class CardDesynchronizedError extends CcidError {
  constructor(message = 'An earlier command to this token timed out, and its late answer could be mistaken for the next one. Connect the card again to continue.') {
    super('CARD_DESYNCHRONIZED', message);
  }
}

/**
 * A command the reader would not take was neither cancelled by CCID 1.1 §5.3.1 ABORT nor answered, so the reader was
 * reset (USBDevice.reset: every transfer cancelled), which powers the card off: its verified PIN is gone, and the
 * command may or may not have reached it. The card must be connected again; its PIN retry counter is then read afresh.
 */
export class CardResetError extends CcidError {
  constructor(message = 'The reader stopped taking commands and was reset, which powered the card off. Connect the card again.') {
    super('CARD_RESET', message);
  }
}

/** A USB transfer failed (stall, babble, disconnect). */
export class UsbTransferError extends CcidError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('USB_TRANSFER', message, options);
  }
}

/** The ATR breaks ISO/IEC 7816-3 §8 (too short, bad TS, bad TCK...). */
export class AtrError extends CcidError {
  constructor(code: 'ATR_TRUNCATED' | 'ATR_BAD_TS' | 'ATR_BAD_TCK' | 'ATR_TOO_LONG' | 'ATR_MISSING_TCK', message: string) {
    super(code, message);
  }
}

/**
 * The T=1 block protocol failed beyond recovery (ISO/IEC 7816-3 §11.6). T1_RESYNCHRONISED:
 * the link was restored by S(RESYNCH) after the command had gone out; it is not repeated.
 */
export class T1Error extends CcidError {
  constructor(code: 'T1_BAD_BLOCK' | 'T1_PROTOCOL' | 'T1_ABORTED' | 'T1_RESYNCHRONISED', message: string) {
    super(code, message);
  }
}

/** A command APDU the chosen path cannot carry, or a malformed APDU. */
export class ApduError extends CcidError {
  constructor(code: 'APDU_MALFORMED' | 'APDU_TOO_LONG' | 'APDU_RESPONSE', message: string) {
    super(code, message);
  }
}
