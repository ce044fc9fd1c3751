import { SshError } from '../errors.ts';

/**
 * Connection-protocol failures (RFC 4254). Codes:
 * CHANNEL_OPEN_FAILED (with the server's `reason` code and text), CHANNEL_REQUEST_FAILED, CHANNEL_CLOSED,
 * CHANNEL_UNKNOWN, CHANNEL_WINDOW_EXCEEDED, CHANNEL_WINDOW_OVERFLOW, CHANNEL_PROTOCOL, KEEPALIVE_TIMEOUT,
 * CONNECTION_CLOSED.
 */
export class ConnectionError extends SshError {
  override readonly name = 'ConnectionError';
}

/** RFC 4254 §5.1 reason codes of SSH_MSG_CHANNEL_OPEN_FAILURE. */
export const OPEN_FAILURE_REASON = {
  ADMINISTRATIVELY_PROHIBITED: 1,
  CONNECT_FAILED: 2,
  UNKNOWN_CHANNEL_TYPE: 3,
  RESOURCE_SHORTAGE: 4,
} as const;

export class ChannelOpenError extends ConnectionError {
  constructor(readonly reason: number, readonly description: string, channelType: string) {
    const why: Record<number, string> = {
      1: 'administratively prohibited', 2: 'connect failed', 3: 'unknown channel type', 4: 'resource shortage',
    };
    super('CHANNEL_OPEN_FAILED', `The server refused to open a ${channelType} channel: ${why[reason] ?? `reason ${reason}`}${description ? ` (${description})` : ''}.`);
  }
}
