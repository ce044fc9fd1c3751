// PIN hygiene in ccid/ (card/pin-wipe.test.ts covers card/'s own buffers): every copy the driver
// makes of a command APDU (T=0 TPDU, short APDU, T=1 blocks, the CCID bulk-OUT message, the ICCD
// control request) is zeroed once it has gone out, sent or failed, so a VERIFY's PIN does not stay
// in memory until garbage collection. What reaches the card is unchanged (the card checks the PIN),
// and no buffer is wiped before the USB transfer reading it has resolved (WebUSB transferOut is async).
import { describe, expect, it } from 'vitest';
import { PivClient } from '../../card/index.ts';
import { CcidReader } from '../../ccid/index.ts';
import type { CcidCard, MessageChannel } from '../../ccid/index.ts';
import { VirtualReader, hexBytes, provisionPivCard } from '../../sim/index.ts';
import { hostNegotiates, pickProfile, profiles } from './pick-profile.ts';
import type { ReaderFault, ReaderProfile } from '../../sim/index.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** The profile with dwMaxCCIDMessageLength patched: 16 leaves 6 data bytes, so a VERIFY spans several messages. */
function small(p: ReaderProfile): ReaderProfile {
  const iface = p.interfaces[0]!;
  return { ...p, interfaces: [{ ...iface, descriptor: { ...iface.descriptor, dwMaxCCIDMessageLength: 16 } }] };
}
const ICCD = profiles.find((p) => p.interfaces[0]!.interfaceProtocol === 2 && p.interfaces[0]!.numEndpoints === 0)!;
// A CAC's T=0-only ATR (Gemalto TOP DL GX4) for the T=0 path.
const CAC_T0_ATR = hexBytes('3B 7D 96 00 00 80 31 80 65 B0 83 11 17 D6 83 00 90 00');

const CARD_PIN = '739182';
const WRONG_PIN = '460257';
const utf8Hex = (pin: string): string => hex(new TextEncoder().encode(pin));

interface Captured { readonly where: string; readonly buffer: Uint8Array; readonly wire: string }

/**
 * Opens `profile` with a provisioned PIV card and records, while `capturing` is set, every buffer
 * handed to the device (bulk-OUT, ICCD control OUT) and every data buffer CcidCard hands its
 * message channel, by reference, with a copy of what it held when handed over. `lateRead` makes
 * the device read a bulk-OUT buffer only a few macrotask turns after transferOut was called.
 */
async function open(profile: ReaderProfile, t0: boolean, lateRead = false) {
  const provisioned = await provisionPivCard({ pin: CARD_PIN, ...(t0 ? { atr: CAC_T0_ATR, extendedLength: false } : {}) });
  const device = new VirtualReader(profile);
  device.insertCard(provisioned.card);
  const captured: Captured[] = [];
  const state = { capturing: false, failNextOut: false };
  const out = device.transferOut.bind(device);
  device.transferOut = async (endpoint, data) => {
    if (state.capturing) captured.push({ where: 'bulk-OUT', buffer: data, wire: hex(data) });
    if (lateRead) for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    if (state.failNextOut) {
      state.failNextOut = false;
      throw new Error('NetworkError: the transfer failed.');
    }
    // The device reads the buffer now, whenever that is: what it reads is what goes over the wire.
    return out(endpoint, Uint8Array.from(data));
  };
  const controlOut = device.controlTransferOut.bind(device);
  device.controlTransferOut = async (setup, data) => {
    if (state.capturing && data && data.length > 0) captured.push({ where: 'control-OUT', buffer: data, wire: hex(data) });
    return controlOut(setup, data ? Uint8Array.from(data) : undefined);
  };
  const [reader] = await CcidReader.open(device, { timeoutMs: 2000 });
  const card: CcidCard = await reader!.connect(0);
  const channel = reader!.channel as MessageChannel;
  const exchange = channel.exchange.bind(channel);
  channel.exchange = (msg) => {
    if (state.capturing && msg.data && msg.data.length > 0) captured.push({ where: 'CcidCard -> channel', buffer: msg.data, wire: hex(msg.data) });
    return exchange(msg);
  };
  const extended = reader!.level === 'extended-apdu' || (reader!.level === 'tpdu' && card.protocol === 1);
  const piv = new PivClient(card, { extended: extended && !t0 });
  await piv.select();
  return { device, reader: reader!, card, piv, provisioned, captured, state };
}

/** No recorded buffer still holds the PIN, and every one is zero (all were copies of the VERIFY). */
function expectWiped(captured: readonly Captured[], pin: string): void {
  const pinHex = utf8Hex(pin);
  expect(captured.length).toBeGreaterThan(0);
  const left = captured.filter((c) => hex(c.buffer).includes(pinHex)).map((c) => `${c.where}: ${hex(c.buffer)}`);
  expect(left).toEqual([]);
  const nonZero = captured.filter((c) => !c.buffer.every((b) => b === 0)).map((c) => `${c.where}: ${hex(c.buffer)}`);
  expect(nonZero).toEqual([]);
}

const PATHS: [string, ReaderProfile, boolean][] = [
  ['TPDU T=1', pickProfile(0x10000, 1, hostNegotiates), false],
  ['TPDU T=0', pickProfile(0x10000, 0), true],
  ['short APDU', pickProfile(0x20000, 1), false],
  ['extended APDU', pickProfile(0x40000, 1), false],
  ['TPDU T=1, 2-byte blocks', small(pickProfile(0x10000, 1, hostNegotiates)), false],
  ['extended APDU, 6-byte parts', small(pickProfile(0x40000, 1)), false],
  ['ICCD version B', ICCD, false],
];

describe('ccid/ zeroes its copies of a command APDU once sent', () => {
  for (const [name, profile, t0] of PATHS) {
    const whole = !name.includes('-byte');
    it(`${name}: right PIN accepted, then no copy holds it`, async () => {
      const { piv, provisioned, captured, state, reader } = await open(profile, t0);
      state.capturing = true;
      await piv.verifyPin(CARD_PIN);
      state.capturing = false;
      expect(provisioned.card.pinVerified).toBe(true);
      // The PIN went over the wire as a whole where it fits one message (the card's check above covers the rest).
      if (whole) expect(captured.some((c) => c.wire.includes(utf8Hex(CARD_PIN)))).toBe(true);
      expectWiped(captured, CARD_PIN);
      await reader.close();
    });

    it(`${name}: wrong PIN (63 C2), then no copy holds it`, async () => {
      const { piv, provisioned, captured, state, reader } = await open(profile, t0);
      state.capturing = true;
      await expect(piv.verifyPin(WRONG_PIN)).rejects.toMatchObject({ code: 'PIN_INCORRECT' });
      state.capturing = false;
      expect(provisioned.card.pinLeft).toBe(2);
      if (whole) expect(captured.some((c) => c.wire.includes(utf8Hex(WRONG_PIN)))).toBe(true);
      expectWiped(captured, WRONG_PIN);
      await reader.close();
    });
  }

  const failures: [string, (s: { device: VirtualReader; state: { failNextOut: boolean } }) => void][] = [
    ['the bulk-OUT transfer fails', ({ state }) => { state.failNextOut = true; }],
    ['the reader stalls bulk-OUT', ({ device }) => { device.faults.push({ kind: 'out-stall' } satisfies ReaderFault); }],
    ['the card is pulled out during the VERIFY', ({ device }) => { device.faults.push({ kind: 'remove' } satisfies ReaderFault); }],
  ];
  for (const [name, profile, t0] of PATHS.filter(([, p]) => p !== ICCD)) {
    for (const [failure, arm] of failures) {
      it(`${name}: ${failure}; the copies are zeroed all the same`, async () => {
        const opened = await open(profile, t0);
        opened.state.capturing = true;
        arm(opened);
        await expect(opened.piv.verifyPin(CARD_PIN)).rejects.toMatchObject({ name: expect.stringMatching(/Error$/) });
        opened.state.capturing = false;
        expectWiped(opened.captured, CARD_PIN);
        await opened.reader.close();
      });
    }
  }

  it('a device that reads the buffer after transferOut was called still gets the PIN (nothing wiped before the transfer resolves)', async () => {
    for (const [, profile, t0] of PATHS.filter(([, p]) => p !== ICCD)) {
      const { piv, provisioned, captured, state, reader } = await open(profile, t0, true);
      state.capturing = true;
      await piv.verifyPin(CARD_PIN);
      state.capturing = false;
      expect(provisioned.card.pinVerified).toBe(true);
      expectWiped(captured, CARD_PIN);
      await reader.close();
    }
  });

  it('other commands still work after the wipes (certificate read, signature)', async () => {
    for (const [, profile, t0] of PATHS) {
      const { piv, provisioned, reader } = await open(profile, t0);
      const cert = await piv.readCertificate(0x9a);
      expect(hex(cert!.certificate)).toBe(hex(provisioned.slots.get(0x9a)!.certificate!));
      await piv.verifyPin(CARD_PIN);
      const digest = new Uint8Array(32).fill(7);
      expect((await piv.sign(0x9a, 'rsa-2048', digest, 'SHA-256')).length).toBe(256);
      await reader.close();
    }
  });
});
