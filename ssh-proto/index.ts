// ssh-proto: the public API of the sans-I/O SSH-2 client (by name; the subfolders' index.ts files
// document their own shapes). Code outside ssh-proto imports only this file.
export { SshError, SshProtocolError } from './errors.ts';
export { MSG, DISCONNECT_REASON } from './messages.ts';
// RFC 4251 §5 wire types, for layers that build SSH blobs (card keys as signers, RFC 6187).
export { SshReader, SshWriter } from './wire/index.ts';

// The crypto backend seam: a Node program may register node:crypto for the AEADs and the handshake primitives.
export { cryptoBackend, setCryptoBackend, WEB_CRYPTO_BACKEND, preloadLibsodium, advanceGcmCounter, HASH_LENGTH } from './crypto/index.ts';
export type { CryptoBackend, AesGcmKey, ChaChaPolyKey, AesCtrStream, AesCtrHmacKeys, HmacKey } from './crypto/index.ts';

// Transport (RFC 4253): version exchange, kex, ciphers, rekeys.
export {
  Transport, memoryPipe, SshTransportError, SshDisconnectError,
  DEFAULT_KEX, SUPPORTED_KEX, DEFAULT_HOST_KEY, DEFAULT_CIPHERS, SUPPORTED_CIPHERS, INSECURE_CIPHERS,
  DEFAULT_MACS, SUPPORTED_MACS, INSECURE_MACS, MAX_PACKET_LENGTH, MAX_PAYLOAD_LENGTH, X509V3_HOST_KEY, INSECURE_X509V3_HOST_KEY,
} from './transport/index.ts';
export type { ByteStream, HostKeyInfo, TransportEvent, TransportOptions, NegotiatedAlgorithms } from './transport/index.ts';

// User authentication (RFC 4252, RFC 4256).
export { authenticate, AuthError, passwordResponder } from './auth/index.ts';
export type { AuthMethod, AuthOptions, AuthResult, Prompt, PromptRequest, PromptCallback, Signer, MessageChannel } from './auth/index.ts';

// Keys: public key blobs, signatures, fingerprints, OpenSSH private key files.
export {
  KeyError, parsePublicKey, encodePublicKey, publicKeyType, verifySignature, fingerprintSha256,
  parsePrivateKeyFile, isPrivateKeyEncrypted, toBase64, fromBase64,
} from './keys/index.ts';
export type { PublicKey, SoftwareKey } from './keys/index.ts';
export {
  parseCertificate, verifyCertificateSignature, isCertificateType, DEFAULT_CA_SIGNATURE_ALGORITHMS,
} from './keys/index.ts';
export type { Certificate } from './keys/index.ts';
// RFC 6187 x509v3-* keys: the §2.1 blob and its leaf certificate's key.
export { parseX509v3Key, isX509v3Algorithm, X509V3_ALGORITHMS } from './keys/index.ts';
export type { X509v3Key } from './keys/index.ts';

// Host-key checking: OpenSSH known_hosts and the verifier the transport takes.
export {
  parseKnownHosts, entriesForHost, formatKnownHostsLine, appendKnownHostsLine,
  createHostKeyVerifier, checkHostKey, preferredHostKeyAlgorithms, HostKeyError, hostKeyName,
} from './hostkeys/index.ts';
export type { KnownHosts, KnownHostEntry, HostKeyVerifierOptions, HostKeyTrust } from './hostkeys/index.ts';

// Connection (RFC 4254): channels and sessions.
export { Connection, Session, ConnectionError, ChannelOpenError, WEB_TERMINAL_MODES, WRITE_QUEUE_BYTES } from './connection/index.ts';
export type { ConnectionOptions, PtyOptions, ExitStatus, TerminalModes, InboundListener, InboundSource } from './connection/index.ts';

// The composed client.
export { connect, SshClient } from './client.ts';
export type { ConnectOptions, ClientEvent, SessionOptions, AlgorithmPreferences } from './client.ts';
