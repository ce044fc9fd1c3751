// A PIV card as a CardToken: keys in 9A, 9C, 9D, 9E and the retired slots 82-95
// (SP 800-73-4 Part 1 §3.3.3 key history), public keys from certificates or, on a
// YubiKey 5.3+, from GET METADATA.
import type { ApduTransport, ChannelOptions } from './channel.ts';
import type { CardKey, CardToken, KeyScan, PinState, SkippedKey } from './card-key.ts';
import { defaultHash } from './card-key.ts';
import { certificateSpki } from './der.ts';
import { CardError, CardInputError, UnsupportedError } from './errors.ts';
import { spkiAlgorithm, type HashName, type KeyAlgorithm } from './key-algorithm.ts';
import { hashBytes } from './pkcs1.ts';
import { checkSignature } from './signature-check.ts';
import { PivClient, type PivApplication } from './piv-client.ts';
import { MAIN_SLOTS, RETIRED_SLOTS, slotName, type PivSlot } from './piv-objects.ts';
import { getMetadata, getSerial, getVersion, versionAtLeast, type SlotMetadata, type YubiKeyVersion } from './yubikey.ts';

export interface ReadKeyOptions {
  /** Ask a YubiKey 5.3+ for the slot's PIN and touch policy (one more APDU). Default true. */
  readonly metadata?: boolean;
}

function isCode(err: unknown, ...codes: string[]): boolean {
  return err instanceof CardError && codes.includes(err.code);
}

export class PivToken implements CardToken {
  readonly kind = 'piv' as const;
  private constructor(
    readonly client: PivClient,
    readonly application: PivApplication,
    readonly yubikey: YubiKeyVersion | undefined,
  ) {}

  /** SELECT, then ask for a YubiKey version (a plain PIV card answers 6D 00, which is fine). */
  static async open(transport: ApduTransport, options: ChannelOptions & { probeYubiKey?: boolean } = {}): Promise<PivToken> {
    const client = new PivClient(transport, options);
    const app = await client.select();
    let version: YubiKeyVersion | undefined;
    if (options.probeYubiKey ?? true) {
      try {
        version = await getVersion(client.channel);
      } catch (err) {
        if (!(err instanceof CardError) || err.code === 'CARD_TRANSPORT') throw err;
      }
    }
    return new PivToken(client, app, version);
  }

  async serial(): Promise<number | undefined> {
    if (!this.yubikey || !versionAtLeast(this.yubikey, 5)) return undefined;
    return getSerial(this.client.channel);
  }

  async metadata(slot: number): Promise<SlotMetadata | undefined> {
    if (!this.yubikey || !versionAtLeast(this.yubikey, 5, 3)) return undefined;
    try {
      return await getMetadata(this.client.channel, slot);
    } catch (err) {
      if (isCode(err, 'FILE_NOT_FOUND', 'INCORRECT_PARAMETERS', 'NOT_SUPPORTED_BY_CARD')) return undefined;
      throw err;
    }
  }

  async pinState(): Promise<PinState> {
    return this.client.pinStatus();
  }

  async verifyPin(pin: string): Promise<void> {
    await this.client.verifyPin(pin);
  }

  /** The key of one slot, or undefined when the slot is empty. */
  async readKey(slot: PivSlot, options: ReadKeyOptions = {}): Promise<CardKey | undefined> {
    // A YubiKey 5.3+ says in one APDU whether the slot holds a key; then the certificate.
    const hasMetadata = this.yubikey !== undefined && versionAtLeast(this.yubikey, 5, 3);
    const wantMeta = hasMetadata && (options.metadata ?? true);
    let meta = wantMeta ? await this.metadata(slot) : undefined;
    if (wantMeta && !meta) return undefined;
    const container = await this.client.readCertificate(slot);
    if (!container && hasMetadata && !meta) meta = await this.metadata(slot);
    const spki = container ? certificateSpki(container.certificate) : meta?.spki;
    if (!spki) return undefined;
    const algorithm = spkiAlgorithm(spki);
    if (algorithm === 'ed25519' && this.yubikey && !versionAtLeast(this.yubikey, 5, 7)) {
      throw new UnsupportedError('This YubiKey reports Ed25519, which needs firmware 5.7 or later');
    }
    const client = this.client;
    const touch = meta?.touchPolicy;
    const signDigest = async (digest: Uint8Array, hash: HashName): Promise<Uint8Array> => {
      if (algorithm === 'ed25519') throw new CardInputError('Ed25519 signs the whole message, not a digest');
      return client.sign(slot, algorithm, digest, hash);
    };
    return {
      id: `piv:${slot.toString(16)}`,
      label: slotName(slot),
      algorithm,
      spki,
      ...(container ? { certificate: container.certificate } : {}),
      ...(meta?.pinPolicy ? { pinPolicy: meta.pinPolicy } : {}),
      ...(touch ? { touchPolicy: touch } : {}),
      needsTouch: touch === 'always' || touch === 'cached',
      signDigest,
      async sign(data: Uint8Array, hash?: HashName): Promise<Uint8Array> {
        const h = hash ?? defaultHash(algorithm);
        const sig = algorithm === 'ed25519' ? await client.sign(slot, algorithm, data) : await signDigest(await hashBytes(h, data), h);
        await checkSignature(slotName(slot), algorithm, spki, data, sig, h);
        return sig;
      },
    };
  }

  /** Every usable key on the card with its certificate: main slots, then retired ones. */
  async listKeys(options: ReadKeyOptions = {}): Promise<CardKey[]> {
    return (await this.scanKeys(options)).keys;
  }

  /**
   * Like listKeys, and also the slots passed over: one slot with a key type Tessera cannot
   * use or a corrupt certificate object does not hide the card's other keys (SP 800-73-4
   * Part 1 §3.3: each slot is independent). Transport, PIN and removal errors still throw.
   */
  async scanKeys(options: ReadKeyOptions = {}): Promise<KeyScan> {
    const keys: CardKey[] = [];
    const skipped: SkippedKey[] = [];
    /** Runs `read`; an unusable object (not a transport, PIN or removal error) is noted under `id` and gives undefined. */
    const unlessUnusable = async <T>(id: string, label: string, read: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await read();
      } catch (err) {
        if (!(err instanceof CardError) || !isCode(err, 'CARD_UNSUPPORTED', 'CARD_MALFORMED_RESPONSE')) throw err;
        skipped.push({ id, label, code: err.code, reason: err.message });
        return undefined;
      }
    };
    // A corrupt Key History object (Part 1 §3.3.3) hides only the retired slots it would count, not the main ones.
    const history = await unlessUnusable('piv:5fc10c', 'Key History object', () => this.client.readKeyHistory());
    const retired = this.yubikey && versionAtLeast(this.yubikey, 5, 3)
      ? RETIRED_SLOTS
      : RETIRED_SLOTS.slice(0, (history?.onCardCertificates ?? 0) + (history?.offCardCertificates ?? 0));
    for (const slot of [...MAIN_SLOTS, ...retired]) {
      const key = await unlessUnusable(`piv:${slot.toString(16)}`, slotName(slot), () => this.readKey(slot, options));
      if (key) keys.push(key);
    }
    return { keys, skipped };
  }
}

export type { KeyAlgorithm };
