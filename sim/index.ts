// sim/: virtual hardware (ARCHITECTURE.md). Public API by name.
export {
  VirtualCardBase, CardRemovedError, PivCard, PIV_AID_FULL, PIN_POLICY, TOUCH_POLICY, SimKey, PIV_ALG_ID,
  ManagementKey, DEFAULT_MANAGEMENT_KEY, ATR_YUBIKEY_5, ATR_GENERIC_PIV, ATR_OPENPGP, atrWithHistory,
  createTestCa, issueCardCertificate, provisionPivCard, defaultSlots,
} from './piv/index.ts';
export { VpcdBridge, VpcdError, VPCD_DEFAULT_PORT } from './vpcd/index.ts';
export type { VpcdBridgeOptions } from './vpcd/index.ts';
export { OpenPgpCard, OPENPGP_RID_PIX, provisionOpenPgpCard, provisionDemoOpenPgpCard, demoOpenPgpAuthKey } from './openpgp/index.ts';
export type { OpenPgpCardOptions, OpenPgpRole, ProvisionedOpenPgpCard } from './openpgp/index.ts';
export type {
  VirtualCard, ApduLogEntry, PivCardOptions, SimAlgorithm, ManagementAlgorithm, TestCa, SlotSpec,
  ProvisionedSlot, ProvisionedPivCard,
} from './piv/index.ts';
export {
  VirtualReader, SimCard, TestApplet, TEST_AID, ATRS, patternByte, hexBytes, atrProtocols, parseProfile, ProfileError,
  loadProfiles, loadProfile, defaultProfilesDir, configurationDescriptorBytes, classDescriptorBytes, levelOf,
} from './ccid/index.ts';
export type {
  ApduHandler, SimCardOptions, T1Fault, ReaderFault, ReaderFaultKind, ReaderProfile, InterfaceProfile,
  ClassDescriptorFields, SimExchangeLevel, VirtualReaderOptions,
} from './ccid/index.ts';
