import { SshProtocolError } from '../errors.ts';

/**
 * Transport failures (RFC 4253). Stable codes:
 * BANNER_TOO_LONG, VERSION_UNSUPPORTED, VERSION_BAD_LINE, PACKET_TOO_LARGE, PACKET_BAD_LENGTH, PACKET_BAD_PADDING,
 * MAC_MISMATCH, KEX_NO_COMMON_ALGORITHM, KEX_UNEXPECTED_MESSAGE, KEX_BAD_REPLY, STRICT_KEX_VIOLATION,
 * HOST_KEY_SIGNATURE_INVALID, HOST_KEY_CHANGED_ON_REKEY, HOST_KEY_REJECTED, HANDSHAKE_TIMEOUT, REKEY_TIMEOUT,
 * CONNECTION_CLOSED (the stream ended), CONNECTION_LOST (the stream failed), TRANSPORT_CLOSED, MESSAGE_TOO_LARGE,
 * MESSAGE_NOT_ALLOWED, EXT_INFO_UNEXPECTED (RFC 8308 §2.4),
 * PROTOCOL_ERROR (a server message could not be handled).
 */
export class SshTransportError extends SshProtocolError {}

/** The server ended the connection with SSH_MSG_DISCONNECT (RFC 4253 §11.1). Code: DISCONNECTED. */
export class SshDisconnectError extends SshTransportError {
  constructor(readonly reasonCode: number, readonly description: string) {
    super('DISCONNECTED', `the server disconnected (reason ${reasonCode}${description ? `: ${description}` : ''})`);
  }
}

/** The server closed the stream before its identification line (RFC 4253 §4.2). */
export function closedBeforeIdentification(detail: string): SshTransportError {
  return new SshTransportError('CONNECTION_CLOSED', `the server closed the connection before identifying itself${detail}`);
}

/** The system error code of a stream failure (Node's `code`, possibly on its `cause`), if any. */
export function errorCode(e: unknown): unknown {
  const err = e as { code?: unknown; cause?: { code?: unknown } } | undefined;
  return err?.code ?? err?.cause?.code;
}

/** A message from the server that could not be handled (a bug on hostile input): ended with DISCONNECT. */
export function unhandledMessage(cause: unknown): SshTransportError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new SshTransportError('PROTOCOL_ERROR', `a message from the server could not be handled: ${detail}`, { cause });
}

/** The byte stream itself failed (socket reset, WebSocket error): a typed error that keeps the cause. */
export function connectionLost(cause: unknown, while_: string): SshTransportError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new SshTransportError('CONNECTION_LOST', `the connection failed while ${while_}: ${detail}`, { cause });
}
