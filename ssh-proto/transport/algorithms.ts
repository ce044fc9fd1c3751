// Algorithm tables and negotiation (RFC 4253 §7.1). Default, supported and insecure lists are kept apart:
// what we offer unless told otherwise, what we can run, and what we never offer by default.

/** Kex methods, best first. mlkem768x25519-sha256: draft-ietf-sshm-mlkem-hybrid-kex, OpenSSH 10's default. */
export const DEFAULT_KEX = [
  'mlkem768x25519-sha256',
  'curve25519-sha256',
  'curve25519-sha256@libssh.org',
  'ecdh-sha2-nistp256',
  'ecdh-sha2-nistp384',
  'ecdh-sha2-nistp521',
  'diffie-hellman-group16-sha512',
  'diffie-hellman-group18-sha512',
  'diffie-hellman-group14-sha256',
] as const;
export const SUPPORTED_KEX: readonly string[] = DEFAULT_KEX;

export const DEFAULT_HOST_KEY = [
  'ssh-ed25519-cert-v01@openssh.com',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com',
  'rsa-sha2-512-cert-v01@openssh.com',
  'rsa-sha2-256-cert-v01@openssh.com',
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
] as const;

/**
 * RFC 6187 X.509 host keys. Not in DEFAULT_HOST_KEY: a caller with X.509 trust anchors opts in by listing them in
 * TransportOptions.hostKeyAlgorithms (before DEFAULT_HOST_KEY). The chain is the verifyHostKey callback's decision;
 * the transport checks the exchange-hash signature with the leaf certificate's key (ssh-proto/keys).
 */
export const X509V3_HOST_KEY = [
  'x509v3-ecdsa-sha2-nistp256',
  'x509v3-ecdsa-sha2-nistp384',
  'x509v3-ecdsa-sha2-nistp521',
  'x509v3-ssh-ed25519',
  'x509v3-rsa2048-sha256',
] as const;
/** x509v3-ssh-rsa signs with SHA-1 (RFC 6187 §3.1): verified when listed by the caller, never offered by default. */
export const INSECURE_X509V3_HOST_KEY = ['x509v3-ssh-rsa'] as const;

/** Ciphers in OpenSSH's order. AEAD ciphers ignore the MAC list (OpenSSH PROTOCOL §1.6, RFC 5647 §5.1). */
export const DEFAULT_CIPHERS = [
  'chacha20-poly1305@openssh.com',
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-ctr',
  'aes192-ctr',
  'aes256-ctr',
] as const;
export const SUPPORTED_CIPHERS: readonly string[] = DEFAULT_CIPHERS;
/** Never offered and not implemented: CBC (RFC 4251 §9.3.1 plaintext recovery), RC4, 3DES. */
export const INSECURE_CIPHERS = ['aes128-cbc', 'aes256-cbc', '3des-cbc', 'arcfour', 'arcfour256'] as const;

export const DEFAULT_MACS = [
  'hmac-sha2-256-etm@openssh.com',
  'hmac-sha2-512-etm@openssh.com',
  'hmac-sha2-256',
  'hmac-sha2-512',
] as const;
export const SUPPORTED_MACS: readonly string[] = DEFAULT_MACS;
/** Never offered and not implemented: SHA-1 and MD5 MACs. */
export const INSECURE_MACS = ['hmac-sha1', 'hmac-sha1-etm@openssh.com', 'hmac-md5', 'umac-64@openssh.com'] as const;

/** Pseudo-algorithms in the kex list (RFC 8308 §2.1, OpenSSH PROTOCOL §1.9). */
export const EXT_INFO_C = 'ext-info-c';
export const KEX_STRICT_C = 'kex-strict-c-v00@openssh.com';
export const KEX_STRICT_S = 'kex-strict-s-v00@openssh.com';

export const AEAD_CIPHERS: ReadonlySet<string> = new Set(['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com']);

export interface NegotiatedAlgorithms {
  kex: string;
  hostKey: string;
  cipherClientToServer: string;
  cipherServerToClient: string;
  /** 'none' for AEAD ciphers (the MAC is implicit). */
  macClientToServer: string;
  macServerToClient: string;
  compressionClientToServer: string;
  compressionServerToClient: string;
}
