/**
 * sim/ccid: a virtual USB CCID reader and its card model.
 *
 * - `VirtualReader(profile, options)` looks like WebUSB's USBDevice; give it to ccid/'s
 *   CcidReader.open. Profiles come from libccid-style dumps: `loadProfiles(dir)`.
 * - A card is any `ApduHandler` ({ atr, handle(apdu) → response with SW1 SW2 }):
 *   `reader.insertCard(handler, slot)`. `TestApplet` is a small ISO 7816-4 application
 *   (SELECT, ECHO, READ N, EXACT, SIGN); sim/piv's cards fit the same interface.
 * - The card model answers at most Ne bytes and serves the rest with 61xx/GET RESPONSE,
 *   speaks T=0 and T=1 at TPDU level, and accepts PPS.
 * - Faults: `reader.faults.push({ kind: ... })` (wrong bSeq, short reads, time extensions,
 *   removal, stalls, garbage), `card.t1Faults.push(...)` (T=1 block errors, WTX, resync).
 */
export type { ApduHandler, SimCardOptions } from './card.ts';
export { SimCard, atrProtocols } from './card.ts';
export type { T1Fault } from './card-t1.ts';
export type { ReaderFault, ReaderFaultKind } from './faults.ts';
export type { ReaderProfile, InterfaceProfile, ClassDescriptorFields } from './profile.ts';
export { parseProfile, ProfileError } from './profile.ts';
export { loadProfiles, loadProfile, defaultProfilesDir } from './profile-dir.ts';
export { configurationDescriptorBytes, classDescriptorBytes } from './descriptors.ts';
export type { Level as SimExchangeLevel } from './ccid-engine.ts';
export { levelOf } from './ccid-engine.ts';
export type { VirtualReaderOptions } from './virtual-reader.ts';
export { VirtualReader } from './virtual-reader.ts';
export { TestApplet, TEST_AID, ATRS, patternByte, hexBytes } from './test-applet.ts';
