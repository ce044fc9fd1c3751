// Errors raised by the page itself, typed with a stable code (STYLE.md); messages are sentences
// a person can act on.
export class WebError extends Error {
  override readonly name = 'WebError';
  constructor(readonly code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The error's stable code, when it has one (our typed errors all carry `code`). */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/** A message for people: the error's own sentence, or a generic one for foreign errors. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error && err.message !== '') return err.message;
  return 'An unexpected error happened; reload the page and try again.';
}
