// The whole card path for identity tests: a simulated PIV card (sim/) in a virtual CCID reader built from a
// shared reader dump, driven by ccid/'s CcidReader and card/'s PivToken, wrapped as an identity CardSession.
import { PivToken, type CardKey } from '../../card/index.ts';
import { CcidReader, type CcidCard } from '../../ccid/index.ts';
import { openCardSession, type CardSession, type GatePolicy, type PinRequest } from '../../identity/index.ts';
import {
  VirtualReader, loadProfiles, provisionPivCard, type PivCard, type ProvisionedPivCard, type ReaderProfile, type SlotSpec, type TestCa,
} from '../../sim/index.ts';

const { profiles } = loadProfiles();
/** An extended-APDU reader (the common case for PIV with RSA-2048 certificates). */
export const READER_PROFILE: ReaderProfile = (() => {
  const p = profiles.find((x) => x.interfaces.length === 1 && x.interfaces[0]!.numEndpoints >= 2
    && (x.interfaces[0]!.descriptor.dwFeatures & 0x70000) === 0x40000 && (x.interfaces[0]!.descriptor.dwProtocols & 2) !== 0);
  if (!p) throw new Error('no extended-APDU T=1 reader profile among the shared reader dumps');
  return p;
})();

/** The same kind of reader without an interrupt endpoint: slot events come from GetSlotStatus polling. */
export const POLLED_READER_PROFILE: ReaderProfile = (() => {
  const p = profiles.find((x) => x.interfaces.length === 1 && x.interfaces[0]!.numEndpoints === 2
    && (x.interfaces[0]!.descriptor.dwFeatures & 0x70000) === 0x40000 && (x.interfaces[0]!.descriptor.dwProtocols & 2) !== 0);
  if (!p) throw new Error('no extended-APDU T=1 reader profile without an interrupt endpoint among the shared reader dumps');
  return p;
})();

export interface CardStack {
  readonly provisioned: ProvisionedPivCard;
  readonly device: VirtualReader;
  readonly reader: CcidReader;
  readonly ccidCard: CcidCard;
  readonly token: PivToken;
  close(): Promise<void>;
}

export async function cardStack(options: { ca?: TestCa; slots?: readonly SlotSpec[]; pinRetries?: number; profile?: ReaderProfile } = {}): Promise<CardStack> {
  const provisioned = await provisionPivCard({
    ...(options.ca ? { ca: options.ca } : {}), ...(options.slots ? { slots: options.slots } : {}),
    ...(options.pinRetries !== undefined ? { pinRetries: options.pinRetries } : {}),
  });
  return stackFor(provisioned, options.profile);
}

export async function stackFor(provisioned: ProvisionedPivCard, profile: ReaderProfile = READER_PROFILE): Promise<CardStack> {
  const device = new VirtualReader(profile);
  device.insertCard(provisioned.card);
  const [reader] = await CcidReader.open(device);
  if (!reader) throw new Error('the virtual reader exposes no CCID interface');
  const ccidCard = await reader.connect(0);
  const token = await PivToken.open(ccidCard, { extended: true });
  return { provisioned, device, reader, ccidCard, token, close: () => reader.close() };
}

export async function keyIn(stack: CardStack, slot: number): Promise<CardKey> {
  const key = await stack.token.readKey(slot);
  if (!key) throw new Error(`slot ${slot.toString(16)} is empty`);
  return key;
}

/** A PIN dialog that answers `pin` and records what it was shown. */
export function pinDialog(pin: string | undefined = '123456') {
  const asked: PinRequest[] = [];
  return { asked, askPin: async (r: PinRequest) => { asked.push(r); return pin; } };
}

export async function sessionFor(stack: CardStack, slot: number, gate: GatePolicy, pin = pinDialog()): Promise<CardSession> {
  return openCardSession(stack.token, await keyIn(stack, slot), { gate, askPin: pin.askPin });
}

/** GENERAL AUTHENTICATE (INS 87, SP 800-73-4 Part 2 §3.2.4): the signing command. */
export function signingApdus(card: PivCard): number {
  return card.log.filter((e) => e.command[1] === 0x87).length;
}

export function authorizedKeyLine(blob: Uint8Array): string {
  const type = Buffer.from(blob.subarray(4, 4 + new DataView(blob.buffer, blob.byteOffset).getUint32(0))).toString();
  return `${type} ${Buffer.from(blob).toString('base64')} tessera-card`;
}
