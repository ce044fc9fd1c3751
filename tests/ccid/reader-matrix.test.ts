/**
 * The reader matrix: every reader profile in CCID_READERS_DIR (libccid's dumps of real
 * readers) becomes a virtual reader; the driver powers a card on, exchanges short and long
 * APDUs (a 2 KB answer through extended APDUs or GET RESPONSE chaining), and survives a
 * removal. A profile may only fail with UnsupportedReaderError where such a reader cannot
 * be driven: the character level. ICCD version B tokens (control transfers only) run too.
 */
import { describe, expect, it } from 'vitest';
import { CardRemovedError, CcidReader, UnsupportedReaderError } from '../../ccid/index.ts';
import type { CcidCard } from '../../ccid/index.ts';
import { ATRS, TEST_AID, TestApplet, VirtualReader, defaultProfilesDir, loadProfiles, patternByte } from '../../sim/index.ts';
import type { ReaderProfile } from '../../sim/index.ts';

const dir = defaultProfilesDir();
const { profiles } = loadProfiles(dir);

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const sw = (r: Uint8Array): string => hex(r.subarray(r.length - 2));

/**
 * Cards the reader can talk to: a T=1 card (YubiKey 5 ATR) where the reader has T=1, a T=0
 * card (Gemalto IDPrime ATR, TA1 96) where it has T=0 (a descriptor with neither bit gets
 * both), and everywhere a card offering T=0 then T=1 (ID-One PIV), which needs a PPS to T=1.
 */
function cardsFor(dwProtocols: number): string[] {
  const p = dwProtocols & 3 || 3;
  return [...(p & 2 ? [ATRS.yubikey5] : []), ...(p & 1 ? [ATRS.dual] : []), ATRS.idOnePiv];
}

async function exercise(card: CcidCard, maxMessage: number): Promise<void> {
  const select = await card.transmit(Uint8Array.of(0x00, 0xa4, 0x04, 0x00, TEST_AID.length, ...TEST_AID));
  expect(hex(select)).toBe('6f03840101' + '9000');
  // A short command with data, as large as one reader message carries at any level.
  const n = Math.min(200, maxMessage - 10 - 6);
  const data = Uint8Array.from({ length: n }, (_, i) => (i * 13) & 0xff);
  const echo = await card.transmit(Uint8Array.of(0x80, 0x10, 0, 0, n, ...data, 0x00));
  expect(sw(echo)).toBe('9000');
  expect(hex(echo.subarray(0, n))).toBe(hex(data));
  // 2 KB answer: extended Le; short paths fall back to Le=00 and GET RESPONSE chaining.
  const big = await card.transmit(Uint8Array.of(0x80, 0x20, 0x08, 0x00, 0x00, 0x00, 0x00));
  expect(big.length).toBe(2050);
  expect(sw(big)).toBe('9000');
  for (let i = 0; i < 2048; i++) if (big[i] !== patternByte(i)) throw new Error(`byte ${i} of the 2 KB answer is wrong`);
  // 6Cxx: wrong Le is corrected and the command repeated (T=0) or passed through.
  const exact = await card.transmit(Uint8Array.of(0x80, 0x30, 0, 0, 0x20));
  expect(sw(exact)).toBe('9000');
}

type Outcome = 'pass' | 'unsupported';

async function runProfile(profile: ReaderProfile): Promise<Outcome[]> {
  const device = new VirtualReader(profile);
  const readers = await CcidReader.open(device, { timeoutMs: 2000 });
  expect(readers.length).toBe(profile.interfaces.length);
  const outcomes: Outcome[] = [];
  for (const [index, reader] of readers.entries()) {
    const iface = profile.interfaces[index]!;
    if (reader.unsupported) {
      await expect(reader.connect(0)).rejects.toBeInstanceOf(UnsupportedReaderError);
      // Only readers that cannot work may be refused: the character level.
      expect(reader.level).toBe('character');
      outcomes.push('unsupported');
      continue;
    }
    for (const atr of cardsFor(iface.descriptor.dwProtocols)) {
      for (let slot = 0; slot < reader.slotCount; slot++) device.insertCard(new TestApplet(atr), slot, index);
      const card = await reader.connect(0);
      await exercise(card, iface.descriptor.dwMaxCCIDMessageLength);
      // Every other slot of a multi-slot reader works too.
      for (let slot = 1; slot < reader.slotCount; slot++) {
        const other = await reader.connect(slot);
        const r = await other.transmit(Uint8Array.of(0x00, 0xa4, 0x04, 0x00, TEST_AID.length, ...TEST_AID));
        expect(sw(r)).toBe('9000');
      }
      // Removal in the middle of a command: that command and every later one fail typed.
      device.faults.push({ kind: 'remove' });
      await expect(card.transmit(Uint8Array.of(0x80, 0x20, 0x00, 0x10, 0x10))).rejects.toBeInstanceOf(CardRemovedError);
      await expect(card.transmit(Uint8Array.of(0x80, 0x20, 0x00, 0x10, 0x10))).rejects.toBeInstanceOf(CardRemovedError);
      // Survive it: a new card in the same slot works.
      device.insertCard(new TestApplet(atr), 0, index);
      const again = await reader.connect(0);
      expect(sw(await again.transmit(Uint8Array.of(0x80, 0x20, 0x00, 0x10, 0x10)))).toBe('9000');
    }
    outcomes.push('pass');
  }
  await readers[0]?.close();
  return outcomes;
}

describe(`reader matrix (${dir})`, () => {
  it('has profiles to run', () => {
    expect(profiles.length).toBeGreaterThan(0);
  });

  const tally = { pass: 0, unsupported: 0, profiles: 0 };
  for (const profile of profiles) {
    it(`${profile.id}`, async () => {
      const outcomes = await runProfile(profile);
      tally.profiles++;
      for (const o of outcomes) tally[o]++;
    });
  }

  it('tally', () => {
    const interfaces = profiles.reduce((n, p) => n + p.interfaces.length, 0);
    console.log(`reader matrix: ${tally.profiles}/${profiles.length} profiles, ${interfaces} interfaces: ${tally.pass} pass, ${tally.unsupported} refused as unsupported (character level)`);
    expect(tally.profiles).toBe(profiles.length);
    expect(tally.pass + tally.unsupported).toBe(interfaces);
  });
});
