// Hostile cards: whatever bytes a card answers, the clients end in a typed CardError,
// never a TypeError, RangeError or hang.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PivToken } from './piv-token.ts';
import { OpenPgpToken } from './openpgp-token.ts';
import { CardError } from './errors.ts';
import type { ApduTransport } from './channel.ts';

/** Answers each command with the next scripted response (then 6A 82). */
function scripted(responses: Uint8Array[]): ApduTransport {
  let i = 0;
  return { transmit: async () => responses[i++] ?? Uint8Array.of(0x6a, 0x82) };
}

const OK = Uint8Array.of(0x90, 0x00);
const withSw = fc.tuple(fc.uint8Array({ maxLength: 120 }), fc.constantFrom(0x9000, 0x6a82, 0x6100, 0x6110, 0x6c05, 0x63c1, 0x6982, 0x6d00))
  .map(([d, sw]) => Uint8Array.from([...d, sw >> 8, sw & 0xff]));
/** Plausible TLV-shaped answers, to get deeper than the first parser. */
const tlvish = fc.tuple(fc.constantFrom(0x53, 0x61, 0x7c, 0x7e, 0x6e, 0x7f), fc.uint8Array({ maxLength: 80 }))
  .map(([t, v]) => Uint8Array.from([t, v.length, ...v, 0x90, 0x00]));
const answers = fc.array(fc.oneof(withSw, tlvish, fc.constant(OK)), { maxLength: 40 });

async function typedOnly(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (!(err instanceof CardError)) throw err;
  }
}

describe('clients against hostile card answers (property)', () => {
  it('PIV: open, list keys, PIN state, sign', async () => {
    await fc.assert(fc.asyncProperty(answers, fc.boolean(), async (responses, extended) => {
      await typedOnly(async () => {
        const token = await PivToken.open(scripted(responses), { extended });
        await token.pinState();
        for (const key of await token.listKeys()) await key.sign(new Uint8Array(4));
      });
    }), { numRuns: 400 });
  });

  it('OpenPGP: open, read the key and certificate, sign', async () => {
    await fc.assert(fc.asyncProperty(answers, async (responses) => {
      await typedOnly(async () => {
        const token = await OpenPgpToken.open(scripted([OK, ...responses]));
        for (const key of await token.listKeys()) await key.sign(new Uint8Array(4));
      });
    }), { numRuns: 400 });
  });

  it('a transport that throws becomes CardTransportError', async () => {
    const err = await PivToken.open({ transmit: () => Promise.reject(new TypeError('device gone')) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CardError);
    expect((err as CardError).code).toBe('CARD_TRANSPORT');
  });
});
