// Host-key fingerprints exactly as OpenSSH prints them (ssh-keygen -l; sshkey_fingerprint with
// SSH_FP_BASE64): "SHA256:" + unpadded base64 of SHA-256 over the public key blob.
export function base64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function fromBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export async function fingerprintSha256(blob: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', blob as Uint8Array<ArrayBuffer>));
  return `SHA256:${base64(digest).replace(/=+$/, '')}`;
}

/** The key type named at the start of an SSH public key blob (RFC 4253 §6.6), or '' when malformed. */
export function keyTypeOf(blob: Uint8Array): string {
  if (blob.length < 4) return '';
  const len = ((blob[0]! << 24) | (blob[1]! << 16) | (blob[2]! << 8) | blob[3]!) >>> 0;
  if (len > 64 || 4 + len > blob.length) return '';
  return new TextDecoder().decode(blob.subarray(4, 4 + len));
}
