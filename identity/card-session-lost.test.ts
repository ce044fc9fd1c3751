// CardSession when the reader loses the card without its removal (ccid/errors.ts: CARD_RESET, the reader reset and
// the card powered off; CARD_DESYNCHRONIZED, an ICCD token's late answer; READER_WEDGED, the reader stuck): the
// session ends as on removal with a sentence saying what to do, and nothing more is sent to the card for it.
// A simulated PIV card (sim/) in memory; the transport fails the VERIFY the way ccid/'s CcidCard does (an Error with
// the code, wrapped by card/'s channel as CardTransportError.transportCode).
import { describe, expect, it } from 'vitest';
import { PivToken, type ApduTransport } from '../card/index.ts';
import { provisionPivCard } from '../sim/index.ts';
import { CardSession } from './card-session.ts';
import { IdentityError } from './errors.ts';

describe.each([
  ['CARD_RESET', /powered off the card holding "PIV Authentication"\. Take the card out and put it back/],
  ['CARD_DESYNCHRONIZED', /answered too late to be trusted, so nothing more was sent to it\. Take the card out and put it back/],
  ['READER_WEDGED', /could not be reset.*Unplug the reader and plug it in again/],
] as const)('a card lost with %s', (code, sentence) => {
  it('ends the session with a sentence; the next signature sends nothing', async () => {
    const provisioned = await provisionPivCard({ slots: [{ slot: 0x9a, algorithm: 'p-256' }] });
    const card = provisioned.card;
    let lost = false;
    const transport: ApduTransport = {
      async transmit(apdu) {
        // The VERIFY with the PIN (INS 20 with data) is the command the reader loses.
        if (apdu[1] === 0x20 && apdu.length > 5) lost = true;
        if (lost) throw Object.assign(new Error(`ccid says ${code}`), { code });
        return card.handle(apdu);
      },
    };
    const token = await PivToken.open(transport, { extended: true });
    const key = (await token.readKey(0x9a))!;
    const session = new CardSession({
      token, key,
      gate: { mode: 'personal', anchors: [provisioned.ca.certificate], revocation: { mode: 'off' } },
      askPin: async () => '123456',
    });
    const data = new TextEncoder().encode('user-auth data');
    const first = await session.sign('ecdsa-sha2-nistp256', data).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(IdentityError);
    expect((first as IdentityError).code).toBe(code);
    expect((first as IdentityError).message).toMatch(sentence);
    const sent = card.log.length;
    const second = await session.sign('ecdsa-sha2-nistp256', data).catch((e: unknown) => e);
    expect((second as IdentityError).code).toBe(code);
    expect(card.log.length).toBe(sent);
    expect(session.signatureCount).toBe(0);
  });
});
