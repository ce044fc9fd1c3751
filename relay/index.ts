// relay/: the WebSocket-to-TCP relay. It joins each WebSocket to one TCP target (binary
// frames, backpressure both ways), refuses anything off its allowlist, and serves the
// built page, /config.json, /healthz, /metrics and /revocation on the same port.
//
// How a client names the target (see target.ts):
//   ws://RELAY/ssh?host=HOST&port=PORT    (port defaults to 22)
//   ws://RELAY/ssh?target=HOST:PORT       (IPv6 as [ADDR]:PORT)
//   ws://RELAY/ssh/HOST/PORT
// websockify clients: the same on `/` or `/websockify`, with the `binary` subprotocol.
// Credentials (auth.ts): `Authorization: Bearer`, subprotocol `tessera.bearer.TOKEN`
// (offered with `tessera.v1`), or `?access_token=`; or a TLS client certificate.
// Refusals close the WebSocket with a code from close-codes.ts and a sentence as reason.
export { startRelay } from './server.ts';
export type { RelayHandle, RelayOptions } from './server.ts';
export { systemResolver } from './connect-target.ts';
export type { Resolver, ResolvedAddress } from './connect-target.ts';
export { CloseCode, closeCodeName } from './close-codes.ts';
export type { CloseCodeName } from './close-codes.ts';
export { DEFAULT_CONFIG, mergeConfig } from './config.ts';
export type { RelayConfig, RelayConfigInput, RelayLimits, AuthConfig, BearerToken } from './config.ts';
export { loadConfigFile, parseConfigText, resolveConfig } from './config-file.ts';
export { RelayError, RelayConfigError } from './errors.ts';
export { TargetAllowlist } from './allowlist.ts';
export { parseTarget, formatTarget } from './target.ts';
export type { TargetRequest } from './target.ts';
export { BEARER_PROTOCOL_PREFIX } from './auth.ts';
export { nextUpdateOf } from './revocation.ts';
export type { LogRecord, LogSink, LogLevel } from './log.ts';
export type { SessionEnd } from './session.ts';
