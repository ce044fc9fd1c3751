// ssh-proto/transport: the SSH-2 transport layer (RFC 4253) over a ByteStream.
// Shapes as agreed in the SSH contract, with these backward-compatible extensions:
// - Transport.rekey() starts a client-initiated kex now; Transport.kexCount counts completed ones.
// - Transport.algorithms is undefined only before connect() resolves.
// - TransportEvent also reports 'pre-banner', 'kex-start', 'ext-info', 'debug' and 'unimplemented'.
// - Message numbers no client layer uses (83-89, 101-255) are answered with UNIMPLEMENTED here, not delivered.
// - TransportOptions.rekeyTimeoutMs bounds each key exchange after the first (REKEY_TIMEOUT, default 60 s).
// - Error codes: see errors.ts (SshTransportError, SshDisconnectError with reasonCode/description).
// - memoryPipe(), PacketEncoder/PacketDecoder and createPacketCipher() for tests, fake servers and benches.
export type { ByteStream } from './byte-stream.ts';
export { memoryPipe } from './byte-stream.ts';
export { Transport } from './transport.ts';
export type { HostKeyInfo, TransportEvent, TransportOptions } from './events.ts';
export type { NegotiatedAlgorithms } from './algorithms.ts';
export {
  DEFAULT_KEX, SUPPORTED_KEX, DEFAULT_HOST_KEY, DEFAULT_CIPHERS, SUPPORTED_CIPHERS, INSECURE_CIPHERS,
  DEFAULT_MACS, SUPPORTED_MACS, INSECURE_MACS, X509V3_HOST_KEY, INSECURE_X509V3_HOST_KEY,
} from './algorithms.ts';
export { SshTransportError, SshDisconnectError } from './errors.ts';
export { MAX_PACKET_LENGTH, MAX_PAYLOAD_LENGTH, PacketEncoder, PacketDecoder } from './packet-protocol.ts';
export { VersionExchange, MAX_PRE_BANNER_LINES, MAX_PRE_BANNER_BYTES } from './version-exchange.ts';
/** Packet ciphers by name (for fake servers in hostile tests and for bench/ssh-ciphers.ts). */
export { createPacketCipher, keySizes } from './cipher-suite.ts';
export type { PacketCipher } from './cipher-suite.ts';
/** RFC 4253 §7.2 key derivation, for fake servers in hostile tests. */
export { deriveDirectionKeys } from './key-schedule.ts';
