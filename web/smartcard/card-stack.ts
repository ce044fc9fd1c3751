// What the card panel needs from the layers below (ccid/ driver, card/ PIV and OpenPGP clients, pki/ verdicts),
// declared here as small interfaces (ARCHITECTURE.md: the consumer declares the shape). The
// wiring in card-wiring.ts satisfies them with the real modules.
import type { UsbDevice } from './webusb-types.ts';
import type { SshSigner } from '../session/terminal-session.ts';

export interface PinStatus {
  readonly verified: boolean;
  readonly retriesLeft?: number;
  readonly blocked: boolean;
}

export interface CertificateView {
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** pki/'s verdict: valid, or invalid with the reason. */
  readonly verdict: { readonly valid: boolean; readonly reason?: string };
}

export interface KeyView {
  readonly id: string;
  readonly label: string;
  readonly algorithm: string;
  readonly needsTouch: boolean;
  /** OpenSSH's SHA256 fingerprint of the key (what `ssh-keygen -lf` prints for the authorized_keys line). */
  readonly fingerprint?: string;
  readonly certificate?: CertificateView;
  /** Why the site policy will not let this key sign, known before Connect (kiosk: no certificate). */
  readonly refusal?: string;
}

/** A slot that holds something the page cannot use (an unsupported key type, a malformed certificate). */
export interface SkippedKeyView {
  readonly label: string;
  readonly reason: string;
}

/** What a card's PIN looks like and what unblocks it: the PIN dialog checks an entry against it before the card sees it. */
export interface PinRule {
  /** "PIV PIN", "OpenPGP PIN". */
  readonly name: string;
  readonly minLength: number;
  /** In bytes of UTF-8 (OpenPGP counts bytes: PW status DO C4); PIV's 8 are ASCII characters anyway. */
  readonly maxLength: number;
  /** Only printable ASCII (PIV, SP 800-73-4 Part 2 §2.4.3); an OpenPGP PW1 is any UTF-8 (§7.2.2). */
  readonly asciiOnly: boolean;
  /** What unblocks it, for the blocked-PIN sentence: "the PUK", "the Reset Code or the Admin PIN". */
  readonly unblockWith: string;
}

/** The PIV PIN (SP 800-73-4 Part 2 §2.4.3: 6 to 8 characters), unblocked with the PUK. */
export const PIV_PIN_RULE: PinRule = { name: 'PIV PIN', minLength: 6, maxLength: 8, asciiOnly: true, unblockWith: 'the PUK' };

export interface CardHandle {
  /** "PIV", "YubiKey 5.7 (PIV)", "OpenPGP card 3.4". */
  readonly type: string;
  /** The PIN the card asks for (PIV PIN, OpenPGP PW1). */
  readonly pinRule: PinRule;
  keys(): Promise<KeyView[]>;
  /** The slots keys() passed over, with why (read by keys()). */
  skippedKeys(): readonly SkippedKeyView[];
  pinStatus(): Promise<PinStatus>;
  /** One VERIFY. Rejects with a typed error: code PIN_INCORRECT (with retriesLeft) or PIN_BLOCKED. */
  verifyPin(pin: string): Promise<void>;
  /**
   * SSH signers for the keys the site policy lets sign (certificate validated by pki/ first).
   * `onTouch(true)` while the card waits for a touch, `onTouch(false)` after.
   */
  signers(options: { onTouch(waiting: boolean): void }): Promise<SshSigner[]>;
  /**
   * The reader lost this card without its removal (reset, out of step, stuck: web/smartcard/card-lost.ts): the
   * handle is dead. `reconnect` says whether connecting the card again can help. Returns an unsubscribe function.
   */
  onLost(listener: (message: string, reconnect: boolean) => void): () => void;
}

export interface ReaderHandle {
  readonly name: string;
  cardPresent(): Promise<boolean>;
  /** Card inserted/removed (CCID RDR_to_PC_NotifySlotChange); returns an unsubscribe function. */
  onCardChange(listener: (present: boolean) => void): () => void;
  openCard(): Promise<CardHandle>;
  close(): Promise<void>;
}

export interface CardStack {
  openReader(device: UsbDevice): Promise<ReaderHandle>;
}
