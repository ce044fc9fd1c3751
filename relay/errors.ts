import type { CloseCodeName } from './close-codes.ts';
import { CloseCode } from './close-codes.ts';

/**
 * A refusal or failure the relay reports to the client as a close frame.
 * `code` is the stable name (the key of CloseCode); `closeCode` the number sent.
 */
export class RelayError extends Error {
  override readonly name = 'RelayError';
  readonly closeCode: number;
  constructor(readonly code: CloseCodeName, message: string) {
    super(message);
    this.closeCode = CloseCode[code];
  }
}

/** The relay configuration is invalid; `line` names where, when it came from a file. */
export class RelayConfigError extends Error {
  override readonly name = 'RelayConfigError';
  readonly code = 'RELAY_CONFIG';
  constructor(message: string, readonly path: string = '', readonly line?: number) {
    super(message);
  }
}
