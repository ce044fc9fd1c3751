// sim/: virtual hardware (ARCHITECTURE.md). Public API by name.
export {
  VirtualCardBase, CardRemovedError, PivCard, PIV_AID_FULL, PIN_POLICY, TOUCH_POLICY, SimKey, PIV_ALG_ID,
  ManagementKey, DEFAULT_MANAGEMENT_KEY, ATR_YUBIKEY_5, ATR_GENERIC_PIV, ATR_OPENPGP, atrWithHistory,
  createTestCa, issueCardCertificate, provisionPivCard, defaultSlots,
} from './piv/index.ts';
export type {
  VirtualCard, ApduLogEntry, PivCardOptions, SimAlgorithm, ManagementAlgorithm, TestCa, SlotSpec,
  ProvisionedSlot, ProvisionedPivCard,
} from './piv/index.ts';
