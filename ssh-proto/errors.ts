/** Every error ssh-proto raises carries a stable code that the UI maps to a sentence. */
export class SshError extends Error {
  override readonly name: string = 'SshError';
  constructor(readonly code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Malformed data on the wire: a short read, a bad length, an invalid encoding (RFC 4251 §5). */
export class SshProtocolError extends SshError {
  override readonly name = 'SshProtocolError';
}
