// A user certificate paired with its private key (ssh -i key with key-cert.pub beside it).
// User auth then offers the certificate blob under the *-cert-v01@openssh.com algorithm names; the signature
// itself is made by the certified key and names the plain algorithm (PROTOCOL.certkeys).
import { encodePublicKey } from './public-key.ts';
import { CERT_SUFFIX, baseSignatureAlgorithm } from './signature.ts';
import { parseCertificate } from './certificate.ts';
import { fromBase64 } from './base64.ts';
import { KeyError } from './errors.ts';
import type { SoftwareKey } from './software-key.ts';

export interface CertificateSigner {
  readonly publicKey: Uint8Array;
  readonly algorithms: readonly string[];
  readonly comment: string;
  sign(algorithm: string, data: Uint8Array): Promise<Uint8Array>;
}

/** `certificate` is the blob, or the text of a "-cert.pub" file ("type base64 comment"). */
export function withCertificate(key: SoftwareKey, certificate: Uint8Array | string): CertificateSigner {
  const blob = typeof certificate === 'string' ? fromBase64(certificate.trim().split(/\s+/)[1] ?? '', 'certificate') : certificate;
  const cert = parseCertificate(blob);
  const certified = encodePublicKey(cert.key);
  if (certified.length !== key.publicKey.length || !certified.every((x, i) => x === key.publicKey[i])) {
    throw new KeyError('KEY_MALFORMED', `The certificate "${cert.keyId}" certifies a different key than this private key.`);
  }
  if (cert.certType !== 'user') throw new KeyError('KEY_UNSUPPORTED', `The certificate "${cert.keyId}" is a host certificate, not a user certificate.`);
  return {
    publicKey: blob.slice(),
    algorithms: key.algorithms.map((a) => `${a}${CERT_SUFFIX}`),
    comment: key.comment,
    sign: (algorithm, data) => key.sign(baseSignatureAlgorithm(algorithm), data),
  };
}
