// card/: card applications over an APDU transport (ARCHITECTURE.md). Public API by name.
export { encodeApdu, parseResponse, SW_OK } from './apdu.ts';
export type { CommandApdu, ResponseApdu } from './apdu.ts';
export { CardChannel } from './channel.ts';
export type { ApduTransport, ChannelOptions } from './channel.ts';
export {
  CardError, CardTransportError, MalformedResponseError, CardInputError, UnsupportedError, StatusWordError,
  PinIncorrectError, PinBlockedError, SecurityStatusNotSatisfiedError, FileNotFoundError,
  ConditionsNotSatisfiedError, IncorrectDataError, WrongLengthError, NotSupportedByCardError,
  IncorrectParametersError, statusError,
} from './errors.ts';
export { parseTlvs, encodeTlv } from './tlv.ts';
export type { Tlv } from './tlv.ts';
export { certificateSpki, parseDerEcdsaSignature, rawToDerEcdsa, integerBytes } from './der.ts';
export type { EcdsaSignature } from './der.ts';
export { spkiAlgorithm } from './key-algorithm.ts';
export type { KeyAlgorithm, HashName } from './key-algorithm.ts';
export { emsaPkcs1v15, digestInfo } from './pkcs1.ts';
export {
  PIV_AID, PIV_ALGORITHM, MAIN_SLOTS, RETIRED_SLOTS, SLOT_AUTHENTICATION, SLOT_SIGNATURE, SLOT_KEY_MANAGEMENT,
  SLOT_CARD_AUTHENTICATION, certificateObject, slotName,
} from './piv-objects.ts';
export type { PivSlot } from './piv-objects.ts';
export { parseCertificateContainer } from './piv-certificate.ts';
export type { CertificateContainer } from './piv-certificate.ts';
export { PivClient } from './piv-client.ts';
export type { PivApplication, PivDiscovery, PivChuid, PivKeyHistory, PinStatus } from './piv-client.ts';
export { getVersion, getSerial, getMetadata, versionAtLeast } from './yubikey.ts';
export type { YubiKeyVersion, SlotMetadata, PinPolicy, TouchPolicy } from './yubikey.ts';
export { defaultHash } from './card-key.ts';
export type { CardKey, CardToken, KeyScan, PinState, SkippedKey } from './card-key.ts';
export { PivToken } from './piv-token.ts';
export type { ReadKeyOptions } from './piv-token.ts';
export { OpenPgpClient, OPENPGP_AID, parseAlgorithmAttributes } from './openpgp-client.ts';
export type { OpenPgpApplication, OpenPgpKeyRole } from './openpgp-client.ts';
export { OpenPgpToken } from './openpgp-token.ts';
export { parsePwStatus } from './openpgp-pw-status.ts';
export type { PwStatus } from './openpgp-pw-status.ts';
export { SignatureCheckError, signatureVerifies } from './signature-check.ts';
