// An OpenPGP card as a CardToken: the authentication key (and its 7F21 certificate),
// which is what SSH uses (OpenPGP card 3.4 §7.2.13).
import type { ApduTransport, ChannelOptions } from './channel.ts';
import { defaultHash, type CardKey, type CardToken, type PinState } from './card-key.ts';
import { rawToDerEcdsa } from './der.ts';
import { CardError, CardInputError, MalformedResponseError } from './errors.ts';
import type { HashName } from './key-algorithm.ts';
import { digestInfo, hashBytes } from './pkcs1.ts';
import { checkSignature } from './signature-check.ts';
import { OpenPgpClient, type OpenPgpApplication } from './openpgp-client.ts';

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

  async pinState(): Promise<PinState> {
    return this.client.pinStatus();
  }

  async verifyPin(pin: string): Promise<void> {
    await this.client.verifyPin(pin);
  }

  /** The authentication key, or undefined when the card has none. */
  async authenticationKey(): Promise<CardKey | undefined> {
    const algorithm = this.application.algorithms.aut;
    if (!algorithm) return undefined;
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
    return {
      id: 'openpgp:aut',
      label: 'OpenPGP Authentication',
      algorithm,
      spki,
      ...(certificate ? { certificate } : {}),
      needsTouch: false,
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
    const key = await this.authenticationKey();
    return key ? [key] : [];
  }
}
