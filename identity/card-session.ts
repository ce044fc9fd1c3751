// One login's use of one card key: the gate runs once before the first signature, the PIN is asked once
// (or before every signature when the card's PIN policy is "always"), a touch prompt precedes a signing
// APDU that waits for a touch. Signers for plain publickey, RFC 6187 x509v3 and OpenSSH certificates share it.
import { PinBlockedError, PinIncorrectError, type CardKey, type CardToken, type PinState } from '../card/index.ts';
import type { Signer } from '../ssh-proto/index.ts';
import { IdentityError, PinError } from './errors.ts';
import { checkCardCertificate, type GateDecision, type GatePolicy } from './gate.ts';
import { plainAlgorithms, sshPublicKeyBlob } from './ssh-key.ts';
import { signatureFormat, sshSignatureBlob } from './ssh-signature.ts';

export interface PinRequest {
  readonly keyLabel: string;
  /** Attempts left before the card blocks the PIN, when the card says. Show it. */
  readonly retriesLeft: number | undefined;
  /** "session": once for this login; "signature": the card's PIN policy asks before every signature. */
  readonly scope: 'session' | 'signature';
}

export interface CardSessionOptions {
  readonly token: CardToken;
  readonly key: CardKey;
  readonly gate: GatePolicy;
  /** Asks the person for the PIN in a page-owned dialog; undefined cancels. The PIN is used once, never kept. */
  readonly askPin: (request: PinRequest) => Promise<string | undefined>;
  /** Called just before a signing APDU that waits for a touch: show "Touch your key". */
  readonly onTouch?: (keyLabel: string) => void;
  /** The key from a source independent of the certificate (e.g. YubiKey GET METADATA); default key.spki. */
  readonly keySpki?: Uint8Array;
}

export class CardSession {
  private decision: Promise<GateDecision> | undefined;
  private pinVerified = false;
  private ended: Error | undefined;
  private signatures = 0;

  constructor(readonly options: CardSessionOptions) {}

  get key(): CardKey { return this.options.key; }
  /** The key that signs: from the independent source when there is one, else what the card layer reports. */
  get keySpki(): Uint8Array { return this.options.keySpki ?? this.options.key.spki; }
  /** Signatures the card made for this session. */
  get signatureCount(): number { return this.signatures; }

  /** Runs the gate once per session; later calls share the first outcome (a refusal stays a refusal). */
  gateDecision(): Promise<GateDecision> {
    const { key } = this.options;
    this.decision ??= checkCardCertificate({
      certificate: key.certificate,
      ...(key.certificateChain ? { chain: key.certificateChain } : {}),
      keySpki: this.keySpki,
      keyLabel: key.label,
    }, this.options.gate);
    return this.decision;
  }

  /** Ends the session's use of the card (e.g. the card was removed): no further signature is made. */
  end(reason: Error): void {
    this.ended ??= reason;
  }

  /** The SSH user-auth signature for `algorithm` over `data`, after the gate, the PIN and the touch prompt. */
  async sign(algorithm: string, data: Uint8Array): Promise<Uint8Array> {
    if (this.ended) throw new IdentityError(this.ended instanceof IdentityError ? this.ended.code : 'CARD_REMOVED', this.ended.message, { cause: this.ended });
    const { key } = this.options;
    const format = signatureFormat(algorithm, { allowSha1: this.options.gate.allowSha1 === true });
    await this.gateDecision();
    await this.ensurePin();
    if (key.needsTouch) this.options.onTouch?.(key.label);
    const raw = await this.translateCardErrors(() => key.sign(data, ...(format.hash ? [format.hash] as const : [])));
    this.signatures++;
    return sshSignatureBlob(format, key.algorithm, raw);
  }

  /** A Signer offering the plain card key (publickey with ssh-rsa / ecdsa-sha2-* / ssh-ed25519 blobs). */
  async plainSigner(): Promise<Signer> {
    const publicKey = await sshPublicKeyBlob(this.keySpki, this.options.key.algorithm);
    return { publicKey, algorithms: plainAlgorithms(this.options.key.algorithm), sign: (alg, data) => this.sign(alg, data) };
  }

  private async ensurePin(): Promise<void> {
    const { key, token } = this.options;
    if (key.pinPolicy === 'never') return;
    const perSignature = key.pinPolicy === 'always';
    if (this.pinVerified && !perSignature) return;
    const state: PinState = await this.translateCardErrors(() => token.pinState());
    if (state.blocked) throw blocked(key.label);
    // A PIN the card already holds as verified (same card session) is reused unless every signature needs one.
    if (state.verified && !perSignature) { this.pinVerified = true; return; }
    const pin = await this.options.askPin({ keyLabel: key.label, retriesLeft: state.retriesLeft, scope: perSignature ? 'signature' : 'session' });
    if (pin === undefined) throw new PinError('PIN_CANCELLED', 'PIN entry was cancelled, so the card did not sign.');
    // Exactly one VERIFY; a wrong PIN is reported with the retries left and never retried here.
    await this.translateCardErrors(() => token.verifyPin(pin));
    this.pinVerified = true;
  }

  private async translateCardErrors<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      const label = this.options.key.label;
      if (err instanceof PinIncorrectError) {
        if (err.retriesLeft === 0) throw blocked(label, err);
        throw new PinError('PIN_INCORRECT', `The PIN for "${label}" is incorrect. ${err.retriesLeft} ${err.retriesLeft === 1 ? 'try' : 'tries'} left before the card blocks it; nothing was signed.`, err.retriesLeft, { cause: err });
      }
      if (err instanceof PinBlockedError) throw blocked(label, err);
      // ccid/'s CardRemovedError (code CARD_REMOVED; identity/ does not import ccid/), as thrown or wrapped by
      // card/'s channel in a CardTransportError that keeps it as transportCode.
      const codes = err as { code?: unknown; transportCode?: unknown };
      const code = codes.transportCode ?? codes.code;
      if (err instanceof Error && code === 'CARD_REMOVED') {
        this.end(err);
        throw new IdentityError('CARD_REMOVED', `The card holding "${label}" was removed; nothing was signed.`, { cause: err });
      }
      // The card is gone as far as this session is concerned, though still in the reader (ccid/errors.ts): powered off
      // by a reader reset (its PIN no longer verified), or out of step with its answers, or the reader stuck. The
      // session ends as on removal; nothing is sent again behind the user, who connects the card (or reader) again.
      const lost = typeof code === 'string' ? lostCard(code, label) : undefined;
      if (lost) {
        const error = new IdentityError(lost.code, lost.message, { cause: err });
        this.end(error);
        throw error;
      }
      throw err;
    }
  }
}

function blocked(label: string, cause?: unknown): PinError {
  return new PinError('PIN_BLOCKED', `The PIN of the card holding "${label}" is blocked. Unblock it with the PUK or ask your administrator.`, 0, cause ? { cause } : undefined);
}

/** The sentence for a card the reader lost without its removal (ccid/'s CARD_RESET, CARD_DESYNCHRONIZED, READER_WEDGED). */
function lostCard(code: string, label: string): { code: 'CARD_RESET' | 'CARD_DESYNCHRONIZED' | 'READER_WEDGED'; message: string } | undefined {
  switch (code) {
    case 'CARD_RESET':
      return { code, message: `The reader stopped taking commands and was reset, which powered off the card holding "${label}". Take the card out and put it back (or connect the reader again); its PIN will be asked again.` };
    case 'CARD_DESYNCHRONIZED':
      return { code, message: `The card holding "${label}" answered too late to be trusted, so nothing more was sent to it. Take the card out and put it back (or connect the reader again).` };
    case 'READER_WEDGED':
      return { code, message: `The card reader stopped taking commands and could not be reset, so nothing more was sent to the card holding "${label}". Unplug the reader and plug it in again.` };
    default:
      return undefined;
  }
}
