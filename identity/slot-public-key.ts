// The public key a card slot holds, read from the card rather than from the slot's certificate: a
// YubiKey 5.3+ answers GET METADATA with it (Yubico "PIV commands"), so the pre-sign gate can tell a
// certificate left over from an earlier key. Other PIV cards expose no public key: undefined (their
// signature is checked against the certificate's key after signing, card/piv-token.ts). An OpenPGP card's
// key.spki already comes from the card's own public key (GENERATE ASYMMETRIC KEY PAIR read mode, OpenPGP card
// 3.4 §7.2.14), not from its 7F21 certificate: undefined here too, and the gate compares with key.spki.
import { PivToken, type CardKey, type CardToken } from '../card/index.ts';

export async function slotPublicKey(token: CardToken, key: CardKey): Promise<Uint8Array | undefined> {
  const slot = /^piv:([0-9a-f]{2})$/.exec(key.id)?.[1];
  if (!(token instanceof PivToken) || slot === undefined) return undefined;
  return (await token.metadata(parseInt(slot, 16)))?.spki;
}
