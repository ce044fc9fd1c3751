// Which application of a card to sign with, as GnuPG's scdaemon picks one: PIV first (SP 800-73-4 Part 2 §3.1.1
// SELECT), and when the card has no PIV application (6A 82, FILE_NOT_FOUND), the OpenPGP application
// (D2 76 00 01 24 01, OpenPGP card 3.4 §7.2.1), whose authentication key is the one gpg-agent offers to ssh.
// A card with both (a YubiKey) stays on PIV: its OpenPGP key is not listed (a second SELECT would switch the card's
// current application, and with it the PIN state, under the PIV keys' feet).
import { CardError, OpenPgpToken, PivToken, type ApduTransport, type ChannelOptions } from '../card/index.ts';
import { IdentityError } from './errors.ts';

export type OpenedCardToken = PivToken | OpenPgpToken;

function notFound(err: unknown): boolean {
  return err instanceof CardError && err.code === 'FILE_NOT_FOUND';
}

/**
 * Opens the card's PIV application, or its OpenPGP one when it has no PIV. Throws IdentityError NO_CARD_APPLICATION
 * when it has neither; any other error (transport, removal, a malformed answer) as it came.
 */
export async function openCardToken(transport: ApduTransport, options: ChannelOptions = {}): Promise<OpenedCardToken> {
  try {
    return await PivToken.open(transport, options);
  } catch (err) {
    if (!notFound(err)) throw err;
  }
  try {
    return await OpenPgpToken.open(transport, options);
  } catch (err) {
    if (!notFound(err)) throw err;
    throw new IdentityError('NO_CARD_APPLICATION', 'This card has neither a PIV nor an OpenPGP application, so it holds no key Tessera can sign in with.', { cause: err });
  }
}

/** "PIV card", "YubiKey 5.7.1 (PIV)", "OpenPGP card 3.4 (Nitrokey, serial 000A1B2C)". */
export function cardDescription(token: OpenedCardToken): string {
  if (token instanceof OpenPgpToken) return token.description;
  const y = token.yubikey;
  return y ? `YubiKey ${y.major}.${y.minor}.${y.patch} (PIV)` : 'PIV card';
}
