// Hostile peers: a card answering random T=1 blocks, a reader answering random bulk
// replies. The driver must end every command with a result or a typed CcidError, in bounded steps.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CcidError, CcidReader, T1Session, encodeBlock } from '../../ccid/index.ts';
import type { T1Block } from '../../ccid/index.ts';
import { ATRS, TestApplet, VirtualReader, loadProfiles } from '../../sim/index.ts';

const block = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.record({ kind: fc.constant('I' as const), ns: fc.nat(1), more: fc.boolean(), inf: fc.uint8Array({ maxLength: 30 }) }).map((b) => encodeBlock(b as T1Block)),
  fc.record({ kind: fc.constant('R' as const), nr: fc.nat(1), error: fc.constantFrom(0 as const, 1 as const, 2 as const) }).map((b) => encodeBlock(b)),
  fc.record({ kind: fc.constant('S' as const), type: fc.constantFrom('resynch' as const, 'ifs' as const, 'abort' as const, 'wtx' as const), response: fc.boolean(), inf: fc.uint8Array({ minLength: 1, maxLength: 1 }) })
    .map((b) => encodeBlock(b.type === 'resynch' || b.type === 'abort' ? { ...b, inf: new Uint8Array(0) } : b)),
);

describe('hostile peers', () => {
  it('T=1: random card blocks end in a result or a typed error within a bounded number of blocks', async () => {
    await fc.assert(fc.asyncProperty(fc.array(block, { minLength: 1, maxLength: 50 }), async (answers) => {
      let i = 0;
      const session = new T1Session({ exchange: async () => answers[i++ % answers.length]! }, { ifsc: 32 });
      try {
        await session.transceive(Uint8Array.of(0x80, 0x20, 0x01, 0x00, 0x00));
      } catch (err) {
        if (!(err instanceof CcidError)) throw err;
      }
      expect(i).toBeLessThan(2000);
    }), { numRuns: 400 });
  });

  it('CCID: random replies from the reader end in typed errors, and the reader stays usable', async () => {
    const profile = loadProfiles().profiles.find((p) => p.id === 'ACS_ACR1251_Dual_Reader')!;
    const device = new VirtualReader(profile);
    device.insertCard(new TestApplet(ATRS.yubikey5), 0, 0);
    const [reader] = await CcidReader.open(device, { timeoutMs: 50 });
    const card = await reader!.connect(0);
    await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 64 }), fc.nat(255), async (bytes, tweak) => {
      const garbage = bytes.length >= 10 && tweak % 2 === 0 ? Uint8Array.of(0x80, bytes.length - 10, 0, 0, 0, 0, ...bytes.subarray(6)) : bytes;
      device.faults.push({ kind: 'garbage', bytes: garbage });
      try {
        await card.transmit(Uint8Array.of(0x80, 0x20, 0x00, 0x10, 0x10));
      } catch (err) {
        if (!(err instanceof CcidError)) throw err;
      }
    }), { numRuns: 150 });
    device.faults.length = 0;
    await new Promise((r) => setTimeout(r, 60));
    const answer = await card.transmit(Uint8Array.of(0x80, 0x20, 0x00, 0x10, 0x10));
    expect(answer.length).toBe(18);
  });
});
