// OpenSSH user certificates (PROTOCOL.certkeys) whose key is on the card: the certificate comes from a file,
// user auth offers it under *-cert-v01@openssh.com, and the card signs with the plain algorithm.
import { encodePublicKey, fromBase64, parseCertificate, type Signer } from '../ssh-proto/index.ts';
import type { CardSession } from './card-session.ts';
import { IdentityError } from './errors.ts';
import { plainAlgorithms, sshPublicKeyBlob } from './ssh-key.ts';
import { sameBytes } from './bytes.ts';

const CERT_SUFFIX = '-cert-v01@openssh.com';

/** `certificate` is the blob or the text of a "-cert.pub" file ("type base64 comment"). */
export async function openSshCertificateSigner(session: CardSession, certificate: Uint8Array | string): Promise<Signer> {
  const blob = typeof certificate === 'string' ? fromBase64(certificate.trim().split(/\s+/)[1] ?? '', 'certificate') : certificate;
  const cert = parseCertificate(blob);
  const { key } = session;
  const cardBlob = await sshPublicKeyBlob(session.keySpki, key.algorithm);
  if (!sameBytes(encodePublicKey(cert.key), cardBlob)) {
    throw new IdentityError('OPENSSH_CERTIFICATE_MISMATCH', `The OpenSSH certificate "${cert.keyId}" certifies a different key than "${key.label}" on the card.`);
  }
  if (cert.certType !== 'user') {
    throw new IdentityError('OPENSSH_CERTIFICATE_MISMATCH', `The OpenSSH certificate "${cert.keyId}" is a host certificate, not a user certificate.`);
  }
  return {
    publicKey: blob.slice(),
    algorithms: plainAlgorithms(key.algorithm).map((a) => `${a}${CERT_SUFFIX}`),
    sign: (alg, data) => session.sign(alg.endsWith(CERT_SUFFIX) ? alg.slice(0, -CERT_SUFFIX.length) : alg, data),
  };
}
