// ssh-proto/connection: RFC 4254 channels and sessions over an authenticated transport.
// Shape note (contract): `new Connection(transport, options)` starts the receive loop at once; Session exposes
// stdout/stderr/stdin streams (or, for a consumer that takes output as packets arrive, `source`/`sourceStderr`:
// InboundSource), `exit`, and the §6 requests. ConnectionChannel adds an optional close() to MessageChannel.
export { Connection } from './connection.ts';
export type { ConnectionOptions, ConnectionChannel } from './connection.ts';
export { Channel, MAX_WINDOW, SEND_CHUNK_MAX, WRITE_QUEUE_BYTES, EXTENDED_DATA_STDERR } from './channel.ts';
export { Session } from './session.ts';
export type { InboundListener, InboundSource } from './inbound-stream.ts';
export type { PtyOptions, PtyRequest, ExitStatus } from './session.ts';
export { ConnectionError, ChannelOpenError, OPEN_FAILURE_REASON } from './errors.ts';
export { encodeTerminalModes, TERMINAL_MODE_OPCODES, WEB_TERMINAL_MODES } from './terminal-modes.ts';
export type { TerminalModes, TerminalModeName } from './terminal-modes.ts';
