// WebSocket close codes the relay sends. RFC 6455 §7.4.1 defines 1000-1011; §7.4.2 leaves
// 4000-4999 to applications. A browser sees only the close code and reason of a failed
// session (not the HTTP status of a refused upgrade), so every refusal is sent as a close
// frame after the handshake, with a code from this table and a sentence as the reason.

export const CloseCode = {
  /** RFC 6455: the target closed the TCP connection normally. */
  NORMAL: 1000,
  /** RFC 6455: the relay is shutting down (or restarting). */
  GOING_AWAY: 1001,
  /** RFC 6455: a text frame arrived; the relay carries binary frames only. */
  UNSUPPORTED_DATA: 1003,
  /** RFC 6455: a message was larger than the configured maximum frame size. */
  MESSAGE_TOO_BIG: 1009,
  /** RFC 6455: an unexpected error inside the relay. */
  INTERNAL_ERROR: 1011,
  /** The request named no target, or a malformed one. */
  BAD_TARGET: 4400,
  /** Authentication is required and no credentials came with the request. */
  AUTH_REQUIRED: 4401,
  /** The credentials were present but invalid (bad token, expired JWT, untrusted client certificate). */
  AUTH_INVALID: 4402,
  /** The page's Origin is not in the allowed origins. */
  ORIGIN_FORBIDDEN: 4403,
  /** The target host:port is not on the allowlist. */
  TARGET_FORBIDDEN: 4404,
  /** The target resolved to a private, loopback or link-local address that is not explicitly allowed. */
  PRIVATE_ADDRESS: 4405,
  /** The target's name did not resolve. */
  DNS_FAILED: 4406,
  /** No data flowed either way for the idle timeout. */
  IDLE_TIMEOUT: 4408,
  /** The session reached its maximum duration. */
  SESSION_EXPIRED: 4409,
  /** Too many sessions from this client address. */
  LIMIT_PER_IP: 4429,
  /** Too many sessions on this relay. */
  LIMIT_GLOBAL: 4430,
  /** The relay could not connect to the target (refused, unreachable, timed out). */
  TARGET_UNREACHABLE: 4502,
  /** The target reset or broke the TCP connection during the session. */
  TARGET_RESET: 4503,
} as const;

export type CloseCodeName = keyof typeof CloseCode;
export type CloseCodeValue = (typeof CloseCode)[CloseCodeName];

/** The table's name for a code (for logs and metrics), or `CLIENT_<code>` for codes the client sent. */
export function closeCodeName(code: number): string {
  for (const [name, value] of Object.entries(CloseCode)) if (value === code) return name;
  return code === 1005 ? 'NO_STATUS' : code === 1006 ? 'ABNORMAL' : `CODE_${code}`;
}
