// identity/'s openCardToken: which application of a card Tessera signs with (as scdaemon picks one). PIV first
// (SP 800-73-4 Part 2 §3.1.1); only when the PIV SELECT answers 6A 82 the OpenPGP application (OpenPGP card 3.4
// §7.2.1); a card with both (a YubiKey: one card, two applets, one current) stays on PIV and is never switched;
// a card with neither is a typed error; any other failure of the PIV SELECT is not mistaken for "no PIV".
// Against sim/'s PIV and OpenPGP card simulators, in memory (a two-applet card routes by the last SELECT).
import { describe, expect, it } from 'vitest';
import { CardError, OpenPgpToken, PivToken, type ApduTransport } from '../../card/index.ts';
import { IdentityError, openCardToken } from '../../identity/index.ts';
import { provisionOpenPgpCard, provisionPivCard, TestApplet, type VirtualCard } from '../../sim/index.ts';

const PIV_RID = [0xa0, 0x00, 0x00, 0x03, 0x08];
const OPENPGP_RID = [0xd2, 0x76, 0x00, 0x01, 0x24, 0x01];
const isSelect = (c: Uint8Array) => c[1] === 0xa4 && c[2] === 0x04;
const selects = (c: Uint8Array, rid: readonly number[]) => isSelect(c) && rid.every((b, i) => c[5 + i] === b);

/** Every command sent, and the transport to `card`. */
function recorded(card: { handle(a: Uint8Array): Promise<Uint8Array> }): { sent: Uint8Array[]; transport: ApduTransport } {
  const sent: Uint8Array[] = [];
  return { sent, transport: { transmit: (c) => { sent.push(c); return card.handle(c); } } };
}

/** One card with a PIV and an OpenPGP applet: a SELECT makes one current, as on a YubiKey. */
function twoApplets(piv: VirtualCard, openpgp: VirtualCard): { handle(a: Uint8Array): Promise<Uint8Array> } {
  let current = piv;
  return {
    handle(apdu) {
      if (selects(apdu, OPENPGP_RID)) current = openpgp;
      else if (selects(apdu, PIV_RID)) current = piv;
      return current.handle(apdu);
    },
  };
}

describe('openCardToken: PIV first, OpenPGP when the card has no PIV', () => {
  it('an OpenPGP-only card: the PIV SELECT gets 6A 82, then the OpenPGP application and its authentication key', async () => {
    const { card, spki } = await provisionOpenPgpCard({ algorithm: 'p-256', certificate: false });
    const { sent, transport } = recorded(card);
    const token = await openCardToken(transport);
    expect(token).toBeInstanceOf(OpenPgpToken);
    expect(selects(sent[0]!, PIV_RID)).toBe(true);
    expect(card.log[0]!.response).toEqual(Uint8Array.of(0x6a, 0x82));
    expect(selects(sent[1]!, OPENPGP_RID)).toBe(true);
    const [key] = await token.listKeys();
    expect(key!.id).toBe('openpgp:aut');
    expect(Buffer.from(key!.spki).equals(Buffer.from(spki))).toBe(true);
  });

  it('a card with both applets stays on PIV: no OpenPGP SELECT is ever sent', async () => {
    const piv = await provisionPivCard({ slots: [{ slot: 0x9a, algorithm: 'p-256' }] });
    const pgp = await provisionOpenPgpCard({ algorithm: 'p-256', certificate: false });
    const { sent, transport } = recorded(twoApplets(piv.card, pgp.card));
    const token = await openCardToken(transport);
    expect(token).toBeInstanceOf(PivToken);
    expect((await token.listKeys()).map((k) => k.id)).toContain('piv:9a');
    expect(sent.some((c) => selects(c, OPENPGP_RID))).toBe(false);
    expect(pgp.card.log).toEqual([]);
  });

  it('a card with neither application is IdentityError NO_CARD_APPLICATION', async () => {
    const applet = new TestApplet();
    const { transport } = recorded({ handle: async (a) => applet.handle(a) });
    const err = await openCardToken(transport).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdentityError);
    expect((err as IdentityError).code).toBe('NO_CARD_APPLICATION');
  });

  it('a PIV SELECT that fails otherwise (6F 00, a lost card) is that error, not a fall-back to OpenPGP', async () => {
    const { card } = await provisionOpenPgpCard({ algorithm: 'p-256', certificate: false });
    const sent: Uint8Array[] = [];
    const faulty: ApduTransport = { transmit: async (c) => { sent.push(c); return isSelect(c) ? Uint8Array.of(0x6f, 0x00) : card.handle(c); } };
    const err = await openCardToken(faulty).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CardError);
    expect((err as CardError).code).not.toBe('FILE_NOT_FOUND');
    expect(sent).toHaveLength(1);
    const lost: ApduTransport = { transmit: async () => { throw new Error('the reader is gone'); } };
    await expect(openCardToken(lost)).rejects.toThrow();
    await expect(openCardToken(lost)).rejects.not.toBeInstanceOf(IdentityError);
  });
});
