// ssh-proto/transport: the SSH-2 transport layer (RFC 4253) over a ByteStream.
// Shapes as agreed in the SSH contract. Extensions: Transport.rekey(), Transport.kexCount,
// Transport.algorithms is undefined only before connect() resolves; memoryPipe() for tests.
export type { ByteStream } from './byte-stream.ts';
export { memoryPipe } from './byte-stream.ts';
export { Transport } from './transport.ts';
export type { HostKeyInfo, TransportEvent, TransportOptions } from './events.ts';
export type { NegotiatedAlgorithms } from './algorithms.ts';
export {
  DEFAULT_KEX, SUPPORTED_KEX, DEFAULT_HOST_KEY, DEFAULT_CIPHERS, SUPPORTED_CIPHERS, INSECURE_CIPHERS,
  DEFAULT_MACS, SUPPORTED_MACS, INSECURE_MACS,
} from './algorithms.ts';
export { SshTransportError, SshDisconnectError } from './errors.ts';
export { MAX_PACKET_LENGTH, MAX_PAYLOAD_LENGTH, PacketEncoder, PacketDecoder } from './packet-protocol.ts';
export { VersionExchange, MAX_PRE_BANNER_LINES, MAX_PRE_BANNER_BYTES } from './version-exchange.ts';
/** Packet ciphers by name (for fake servers in hostile tests and for bench/ssh-ciphers.ts). */
export { createPacketCipher, keySizes } from './cipher-suite.ts';
export type { PacketCipher } from './cipher-suite.ts';
