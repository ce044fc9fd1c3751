// Key fingerprints as OpenSSH prints them (ssh-keygen -lf, sshkey_fingerprint with SSH_FP_BASE64):
// "SHA256:" then the unpadded base64 of SHA-256 over the whole public key blob.
import { digest } from '../crypto/index.ts';
import { toBase64 } from './base64.ts';

export async function fingerprintSha256(blob: Uint8Array): Promise<string> {
  return `SHA256:${toBase64(await digest('SHA-256', blob), false)}`;
}
