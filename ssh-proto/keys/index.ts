// ssh-proto/keys: public keys, signatures, fingerprints, private key files and certificates.
// fingerprintSha256 is async (WebCrypto digest); the contract's other shapes are as agreed.
export { KeyError } from './errors.ts';
export { toBase64, fromBase64 } from './base64.ts';
export {
  parsePublicKey, encodePublicKey, publicKeyType, readPublicKeyFields, writePublicKeyFields,
  signatureAlgorithmsFor, isEcdsaKeyType, ECDSA_PARAMS, RSA_MIN_BITS, RSA_MAX_BITS,
} from './public-key.ts';
export type { PublicKey, Ed25519PublicKey, EcdsaPublicKey, RsaPublicKey, EcdsaKeyType, EcdsaParams } from './public-key.ts';
export { verifySignature } from './verify.ts';
export {
  verifyRawSignature, parseSignatureBlob, encodeSignatureBlob, sshEcdsaToP1363, p1363ToSshEcdsa,
  baseSignatureAlgorithm, keyTypeForSignatureAlgorithm, RSA_SIGNATURE_HASH, CERT_SUFFIX,
} from './signature.ts';
export type { SignatureBlob } from './signature.ts';
export { fingerprintSha256 } from './fingerprint.ts';
export { parsePrivateKeyFile, isPrivateKeyEncrypted } from './private-key-file.ts';
export { ed25519SoftwareKey, ecdsaSoftwareKey, rsaSoftwareKey } from './software-key.ts';
export type { SoftwareKey, RsaPrivateParts } from './software-key.ts';
export {
  parseCertificate, verifyCertificateSignature, isCertificateType, CERT_TYPE_USER, CERT_TYPE_HOST, DEFAULT_CA_SIGNATURE_ALGORITHMS,
} from './certificate.ts';
export type { Certificate, CertificateOption } from './certificate.ts';
export { parseX509v3Key, x509v3SigningKey, isX509v3Algorithm, X509V3_ALGORITHMS } from './x509v3-key.ts';
export type { X509v3Key, X509v3Algorithm } from './x509v3-key.ts';
export { withCertificate } from './certificate-signer.ts';
export type { CertificateSigner } from './certificate-signer.ts';
