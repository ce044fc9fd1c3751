// sim/piv/: a simulated PIV card (SP 800-73-4 with YubiKey extensions) and its provisioning.
export { VirtualCardBase, CardRemovedError, parseCommand, SW } from './virtual-card.ts';
export type { VirtualCard, ApduLogEntry, ParsedCommand, CardReply, VirtualCardOptions } from './virtual-card.ts';
export { PivCard, PIV_AID_FULL, PIN_POLICY, TOUCH_POLICY, publicKeyTemplate } from './piv-card.ts';
export type { PivCardOptions, SlotState } from './piv-card.ts';
export { SimKey, PIV_ALG_ID } from './keys.ts';
export type { SimAlgorithm } from './keys.ts';
export { ManagementKey, DEFAULT_MANAGEMENT_KEY } from './management-key.ts';
export type { ManagementAlgorithm } from './management-key.ts';
export { ATR_YUBIKEY_5, ATR_GENERIC_PIV, ATR_OPENPGP, atrWithHistory } from './atr.ts';
export { createTestCa, issueCardCertificate } from './test-pki.ts';
export type { TestCa } from './test-pki.ts';
export { provisionPivCard, defaultSlots, writeStandardObjects } from './provision.ts';
export type { SlotSpec, ProvisionedSlot, ProvisionedPivCard } from './provision.ts';
export { tlv, tlvDecode, tlvFind, SimTlvError } from './tlv.ts';
export type { SimTlv } from './tlv.ts';
