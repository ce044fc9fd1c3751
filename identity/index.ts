// identity/: card keys as SSH identities, behind the pre-sign certificate gate (ARCHITECTURE.md). Public API by name.
export { IdentityError, GateError, PinError } from './errors.ts';
export type { IdentityErrorCode } from './errors.ts';
export { sshPublicKeyOf, sshPublicKeyBlob, plainAlgorithms } from './ssh-key.ts';
export { signatureFormat, sshSignatureBlob } from './ssh-signature.ts';
export type { SignatureFormat } from './ssh-signature.ts';
export { checkCardCertificate } from './gate.ts';
export type { GateMode, GatePolicy, GateDecision, GateInput } from './gate.ts';
export { CardSession } from './card-session.ts';
export type { CardSessionOptions, PinRequest } from './card-session.ts';
export { x509v3Algorithm, x509v3PublicKeyBlob, x509v3Signer } from './x509v3-signer.ts';
export type { X509v3SignerOptions } from './x509v3-signer.ts';
export { openSshCertificateSigner } from './openssh-certificate.ts';
export { cardAuthMethods, openCardSession } from './auth-methods.ts';
export type { CardAuthKind, CardAuthOptions } from './auth-methods.ts';
export { endSessionsOnRemoval, CARD_REMOVED_MESSAGE } from './card-removal.ts';
export type { SlotWatcher, Closable } from './card-removal.ts';
export { x509HostKeyVerifier, x509HostKeyAlgorithms, parseX509v3Blob } from './x509-host-key.ts';
export type { X509HostKeyPolicy, X509HostKeyBlob } from './x509-host-key.ts';
