// Recorded sessions with the simulated cards, replayed with one answer mutated: the
// clients must end in a typed CardError or a correct result, never crash.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CardError, PivToken, OpenPgpToken, type ApduTransport } from '../../card/index.ts';
import { provisionPivCard, provisionOpenPgpCard } from '../../sim/index.ts';

async function pivSession(t: ApduTransport, extended: boolean): Promise<void> {
  const token = await PivToken.open(t, { extended });
  await token.pinState();
  const keys = await token.listKeys();
  await token.verifyPin('123456');
  for (const key of keys) await key.sign(new Uint8Array(8));
}

async function pgpSession(t: ApduTransport): Promise<void> {
  const token = await OpenPgpToken.open(t);
  const keys = await token.listKeys();
  await token.verifyPin('123456');
  for (const key of keys) await key.sign(new Uint8Array(8));
}

function replay(answers: Uint8Array[], index: number, mutate: (b: Uint8Array) => Uint8Array): ApduTransport {
  let i = 0;
  return {
    transmit: async () => {
      const a = answers[i] ?? Uint8Array.of(0x6f, 0x00);
      return i++ === index ? mutate(a) : a;
    },
  };
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), pos: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), pos: fc.nat() }),
  fc.record({ kind: fc.constant('sw' as const), sw: fc.constantFrom(0x6100, 0x6101, 0x6c00, 0x6982, 0x6a80, 0x63c0, 0x9000) }),
);

function apply(m: { kind: string; pos?: number; bit?: number; sw?: number }, b: Uint8Array): Uint8Array {
  const out = Uint8Array.from(b);
  if (m.kind === 'flip' && out.length > 0) { const p = m.pos! % out.length; out[p] = out[p]! ^ (1 << m.bit!); return out; }
  if (m.kind === 'truncate') return out.subarray(0, m.pos! % (out.length + 1));
  if (out.length >= 2) { out[out.length - 2] = m.sw! >> 8; out[out.length - 1] = m.sw! & 0xff; }
  return out;
}

describe('mutated recorded sessions (property)', () => {
  it.each([false, true])('PIV client, extended %s', async (extended) => {
    const { card } = await provisionPivCard({ profile: extended ? 'yubikey5' : 'generic', slots: [
      { slot: 0x9a, algorithm: 'rsa-2048', compress: 'gzip' }, { slot: 0x9e, algorithm: 'p-256' }] });
    card.touchDelayMs = 0;
    await pivSession({ transmit: (c) => card.handle(c) }, extended);
    const answers = card.log.map((e) => e.response);
    await fc.assert(fc.asyncProperty(fc.nat({ max: answers.length - 1 }), mutation, async (index, m) => {
      try {
        await pivSession(replay(answers, index, (b) => apply(m, b)), extended);
      } catch (err) {
        expect(err).toBeInstanceOf(CardError);
      }
    }), { numRuns: 300 });
  });

  it('OpenPGP client', async () => {
    const { card } = await provisionOpenPgpCard({ algorithm: 'p-384' });
    await pgpSession({ transmit: (c) => card.handle(c) });
    const answers = card.log.map((e) => e.response);
    await fc.assert(fc.asyncProperty(fc.nat({ max: answers.length - 1 }), mutation, async (index, m) => {
      try {
        await pgpSession(replay(answers, index, (b) => apply(m, b)));
      } catch (err) {
        expect(err).toBeInstanceOf(CardError);
      }
    }), { numRuns: 300 });
  });
});
