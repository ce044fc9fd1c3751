// An OpenPGP card as a CardToken: the authentication key (and its 7F21 certificate),
// which is what SSH uses (OpenPGP card 3.4 §7.2.13).
import type { ApduTransport, ChannelOptions } from './channel.ts';
import { defaultHash, type CardKey, type CardToken, type KeyScan, type PinState } from './card-key.ts';
import { rawToDerEcdsa } from './der.ts';
import { CardError, CardInputError, MalformedResponseError, UnsupportedError } from './errors.ts';
import type { HashName } from './key-algorithm.ts';
import { digestInfo, hashBytes } from './pkcs1.ts';
import { checkSignature } from './signature-check.ts';
import { OpenPgpClient, type OpenPgpApplication } from './openpgp-client.ts';
import { openPgpManufacturer } from './openpgp-manufacturer.ts';

const AUT_LABEL = 'OpenPGP Authentication';

export class OpenPgpToken implements CardToken {
  readonly kind = 'openpgp' as const;
  private constructor(readonly client: OpenPgpClient, readonly application: OpenPgpApplication) {}

  static async open(transport: ApduTransport, options: ChannelOptions = {}): Promise<OpenPgpToken> {
    const client = new OpenPgpClient(transport, options);
    await client.select();
    const app = await client.applicationData();
    if (app.manufacturer === 0x0006) {
      try {
        client.yubikeyVersion = await client.getYubiKeyVersion();
      } catch (err) {
        if (!(err instanceof CardError) || err.code === 'CARD_TRANSPORT') throw err;
      }
    }
    return new OpenPgpToken(client, app);
  }

  /**
   * What the card is, for people: "OpenPGP card 3.4 (Nitrokey, serial 000A1B2C)", or for a YubiKey's applet
   * "YubiKey 5.7.1 (OpenPGP 3.4, serial ...)". Version, manufacturer and serial are the AID's (§4.2.1).
   */
  get description(): string {
    const app = this.application;
    const y = this.client.yubikeyVersion;
    if (y) return `YubiKey ${y.join('.')} (OpenPGP ${app.version}, serial ${app.serial})`;
    return `OpenPGP card ${app.version} (${openPgpManufacturer(app.manufacturer)}, serial ${app.serial})`;
  }

  async pinState(): Promise<PinState> {
    return this.client.pinStatus();
  }

  async verifyPin(pin: string): Promise<void> {
    await this.client.verifyPin(pin);
  }

  /**
   * The authentication key (key reference AUT, the one gpg-agent offers to ssh), or undefined when the card has
   * none. UnsupportedError when it holds one of an algorithm Tessera cannot use (Curve25519 for ECDH, brainpool...).
   */
  async authenticationKey(): Promise<CardKey | undefined> {
    if (!this.application.keyPresent.aut) return undefined;
    const algorithm = this.application.algorithms.aut;
    if (!algorithm) {
      const attributes = Array.from(this.application.attributes.aut, (b) => b.toString(16).padStart(2, '0')).join('');
      throw new UnsupportedError(`The OpenPGP authentication key uses an algorithm Tessera does not support (attributes ${attributes || 'none'})`);
    }
    const spki = await this.client.readPublicKey('aut', algorithm);
    const certificate = await this.client.readCertificate('aut');
    const client = this.client;
    const signDigest = async (digest: Uint8Array, hash: HashName): Promise<Uint8Array> => {
      if (algorithm === 'ed25519') throw new CardInputError('Ed25519 signs the whole message, not a digest');
      if (algorithm.startsWith('rsa-')) return client.internalAuthenticate(digestInfo(hash, digest));
      const size = algorithm === 'p-256' ? 32 : 48;
      const raw = await client.internalAuthenticate(digest.length > size ? digest.subarray(0, size) : digest);
      if (raw.length !== 2 * size) throw new MalformedResponseError(`The card's ECDSA signature is ${raw.length} bytes, expected ${2 * size}`);
      return rawToDerEcdsa(raw);
    };
    // The User Interaction Flag (D8): the card waits for its button before INTERNAL AUTHENTICATE answers.
    const touch = this.application.touch.aut;
    return {
      id: 'openpgp:aut',
      label: AUT_LABEL,
      algorithm,
      spki,
      ...(certificate ? { certificate } : {}),
      ...(touch ? { touchPolicy: touch } : {}),
      needsTouch: touch === 'always' || touch === 'cached',
      signDigest,
      async sign(data: Uint8Array, hash?: HashName): Promise<Uint8Array> {
        const h = hash ?? defaultHash(algorithm);
        let sig: Uint8Array;
        if (algorithm === 'ed25519') {
          sig = await client.internalAuthenticate(data);
          if (sig.length !== 64) throw new MalformedResponseError(`The card's Ed25519 signature is ${sig.length} bytes, expected 64`);
        } else {
          sig = await signDigest(await hashBytes(h, data), h);
        }
        await checkSignature('OpenPGP authentication', algorithm, spki, data, sig, h);
        return sig;
      },
    };
  }

  async listKeys(): Promise<CardKey[]> {
    return (await this.scanKeys()).keys;
  }

  /**
   * Like listKeys, and the authentication key passed over with why when the card holds one Tessera cannot use
   * (PivToken.scanKeys' shape). Transport, PIN and removal errors still throw.
   */
  async scanKeys(): Promise<KeyScan> {
    try {
      const key = await this.authenticationKey();
      return { keys: key ? [key] : [], skipped: [] };
    } catch (err) {
      if (!(err instanceof CardError) || (err.code !== 'CARD_UNSUPPORTED' && err.code !== 'CARD_MALFORMED_RESPONSE')) throw err;
      return { keys: [], skipped: [{ id: 'openpgp:aut', label: AUT_LABEL, code: err.code, reason: err.message }] };
    }
  }
}
