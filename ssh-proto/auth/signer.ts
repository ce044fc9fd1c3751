/**
 * A key that can sign SSH user-auth data (ARCHITECTURE.md, "main seams"). The card layer and
 * ../keys' software keys satisfy it structurally.
 */
export interface Signer {
  /** SSH wire-format public key blob (a plain key or an OpenSSH certificate). */
  readonly publicKey: Uint8Array;
  /** Signature algorithms this key can make, preferred first: e.g. rsa-sha2-512, ecdsa-sha2-nistp256, x509v3-... */
  readonly algorithms: readonly string[];
  /** Returns an SSH signature blob: string algorithm, string signature. */
  sign(algorithm: string, data: Uint8Array): Promise<Uint8Array>;
}
