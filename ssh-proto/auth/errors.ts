import { SshError } from '../errors.ts';

/**
 * User authentication ended without success. Codes:
 * - AUTH_FAILED: every method we could try was refused; `allowedMethods` lists what the server still accepts.
 * - AUTH_SERVICE_REFUSED: the server did not accept the ssh-userauth service request.
 * - AUTH_PASSWORD_CHANGE_REQUIRED: the server wants a new password (RFC 4252 §8); `prompt` carries its text.
 * - AUTH_CANCELLED: a prompt callback or the caller's AbortSignal cancelled.
 * - AUTH_TIMEOUT: the server did not answer a request in time.
 * - AUTH_TOO_MANY_PROMPTS: a keyboard-interactive server kept asking beyond a sane bound.
 */
export class AuthError extends SshError {
  override readonly name = 'AuthError';
  constructor(
    code: string,
    message: string,
    readonly allowedMethods: readonly string[] = [],
    readonly partialSuccess: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
