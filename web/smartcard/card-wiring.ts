// The card panel's CardStack made of the real layers: ccid/ drives the reader over WebUSB, card/
// speaks PIV (or, on a card without PIV, OpenPGP: identity/'s openCardToken), pki/ validates each key's
// certificate before the card may sign (ARCHITECTURE.md, "Card certificate (before any signature)").
import { CcidReader, type UsbDeviceLike } from '../../ccid/index.ts';
import { certificateSpki, type CardKey } from '../../card/index.ts';
import {
  cardDescription, checkCardCertificate, GateError, openCardToken, slotPublicKey, sshPublicKeyBlob, type OpenedCardToken,
} from '../../identity/index.ts';
import { CARD_POLICY, CrlCache, decodePemOrDer, parseCertificate, validatePath, type RevocationOptions } from '../../pki/index.ts';
import { fingerprintSha256 } from '../../ssh-proto/index.ts';
import type { SiteConfig } from '../config/site-config.ts';
import { relayRevocationFetch } from '../net/revocation-fetch.ts';
import { WebError, errorCode } from '../errors.ts';
import { PIV_PIN_RULE, type CardHandle, type CardStack, type CertificateView, type KeyView, type PinRule, type ReaderHandle, type SkippedKeyView } from './card-stack.ts';
import { lostCardCode, lostCardError, lostWhileReadingError, reconnectHelps } from './card-lost.ts';
import { cardSshSigner } from './ssh-signer.ts';
import { PROTECTED_CLASS_ADVICE, usbError } from './usb-readers.ts';
import type { UsbDevice } from './webusb-types.ts';

function anchorsOf(config: SiteConfig): Uint8Array[] {
  return config.trustAnchors.flatMap((pem) => decodePemOrDer(new TextEncoder().encode(pem)));
}

/**
 * The site's revocation mode, with CRLs and OCSP fetched through the relay (a page cannot reach a CA's
 * plain-HTTP URLs itself). One cache per card stack: the panel's verdict and the pre-sign gate share it.
 */
function revocationOf(config: SiteConfig): RevocationOptions {
  if (config.revocation === 'off') return { mode: 'off' };
  return { mode: config.revocation, fetch: relayRevocationFetch(config.revocationUrl), cache: new CrlCache() };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The certificate's subject, issuer, validity and pki/'s verdict for the site policy. */
async function certificateView(der: Uint8Array, key: CardKey, revocation: RevocationOptions, anchors: Uint8Array[]): Promise<CertificateView> {
  const cert = parseCertificate(der);
  let verdict: CertificateView['verdict'];
  // An OpenPGP card's key comes from the card itself, its 7F21 certificate separately: one issued for another key
  // (left over from an earlier one) vouches for nothing here (identity/'s gate refuses it the same way).
  if (!sameBytes(certificateSpki(der), key.spki)) {
    verdict = { valid: false, reason: 'the certificate is for a different key than the one on the card' };
  } else if (anchors.length === 0) {
    verdict = { valid: false, reason: 'this site configures no trust anchors to check it against' };
  } else {
    const result = await validatePath({
      leaf: cert, intermediates: key.certificateChain ?? [], anchors,
      policy: { leaf: CARD_POLICY }, revocation,
    });
    verdict = result.valid ? { valid: true } : { valid: false, reason: result.errors.map((e) => e.detail).join('; ') || 'no valid path' };
  }
  return { subject: cert.subject.text, issuer: cert.issuer.text, notBefore: cert.notBefore, notAfter: cert.notAfter, verdict };
}

/** OpenSSH's "SHA256:..." of the key as SSH sends it (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4); undefined if SSH cannot use it. */
async function sshFingerprint(key: CardKey): Promise<string | undefined> {
  try { return await fingerprintSha256(await sshPublicKeyBlob(key.spki, key.algorithm)); } catch { return undefined; }
}

/** Kiosk policy signs only after a valid certificate (identity/'s gate): a key without one is refused up front. */
const KIOSK_NO_CERTIFICATE = 'Will not sign here: this site requires a valid X.509 certificate for the key, and the card holds none for it.';

/** A card's PIV or OpenPGP application (identity/'s openCardToken) as the panel's CardHandle. */
class TokenCardHandle implements CardHandle {
  private views: { key: CardKey; view: KeyView }[] | undefined;
  private skipped: readonly SkippedKeyView[] = [];
  private readonly lostListeners = new Set<(message: string, reconnect: boolean) => void>();
  constructor(private readonly token: OpenedCardToken, private readonly config: SiteConfig, private readonly revocation: RevocationOptions) {}

  onLost(listener: (message: string, reconnect: boolean) => void): () => void {
    this.lostListeners.add(listener);
    return () => { this.lostListeners.delete(listener); };
  }

  /** Runs a card operation; a lost card (card-lost.ts) is told to the panel and becomes the page's sentence. */
  private async guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      const code = lostCardCode(err);
      if (!code) throw err;
      const error = lostCardError(code, err);
      for (const l of this.lostListeners) l(error.message, reconnectHelps(code));
      throw error;
    }
  }

  get type(): string {
    return cardDescription(this.token);
  }

  /**
   * PIV: 6 to 8 characters, the PUK unblocks it. OpenPGP PW1: at least 6 bytes (GnuPG's and the cards' minimum), at
   * most what the PW status bytes say (DO C4 byte 2, OpenPGP card 3.4 §4.4.3.8 note; 127 when a card says 0), the
   * Reset Code or the Admin PIN (PW3) unblocks it (§7.2.11 RESET RETRY COUNTER).
   */
  get pinRule(): PinRule {
    if (this.token.kind === 'piv') return PIV_PIN_RULE;
    const max = this.token.application.pw1MaxLength;
    return { name: 'OpenPGP PIN', minLength: 6, maxLength: max >= 6 ? max : 127, asciiOnly: false, unblockWith: 'the Reset Code or the Admin PIN' };
  }

  async keys(): Promise<KeyView[]> {
    if (!this.views) {
      const anchors = anchorsOf(this.config);
      const { keys, skipped } = await this.guard(() => this.token.scanKeys());
      this.skipped = skipped.map((s) => ({ label: s.label, reason: s.reason }));
      this.views = [];
      for (const key of keys) {
        const fingerprint = await sshFingerprint(key);
        const view: KeyView = {
          id: key.id, label: key.label, algorithm: key.algorithm, needsTouch: key.needsTouch,
          ...(fingerprint ? { fingerprint } : {}),
          ...(!key.certificate && this.config.mode === 'kiosk' ? { refusal: KIOSK_NO_CERTIFICATE } : {}),
          ...(key.certificate ? { certificate: await certificateView(key.certificate, key, this.revocation, anchors).catch(() => ({
            subject: '(unreadable)', issuer: '(unreadable)', notBefore: new Date(0), notAfter: new Date(0),
            verdict: { valid: false, reason: 'the certificate on the card could not be parsed' },
          })) } : {}),
        };
        this.views.push({ key, view });
      }
    }
    return this.views.map((v) => v.view);
  }

  skippedKeys(): readonly SkippedKeyView[] { return this.skipped; }

  pinStatus() { return this.guard(() => this.token.pinState()); }

  async verifyPin(pin: string): Promise<void> {
    await this.guard(() => this.token.verifyPin(pin));
  }

  async signers(options: { onTouch(waiting: boolean): void }) {
    await this.keys();
    const out = [];
    const refusals: GateError[] = [];
    for (const { key } of this.views ?? []) {
      // Kiosk policy: identity/'s pre-sign gate (valid path, card EKUs, revocation, and the certificate must
      // certify the very key on the card); a refused key is not offered at all. Personal: any key (the server decides).
      if (this.config.mode === 'kiosk') {
        const refusal = await this.gateRefusal(key);
        if (refusal) { refusals.push(refusal); continue; }
      }
      let signer;
      try { signer = await cardSshSigner(key, options.onTouch); } catch { continue; /* a key type SSH cannot use */ }
      out.push({ ...signer, sign: (algorithm: string, data: Uint8Array) => this.guard(() => signer.sign(algorithm, data)) });
    }
    // Nothing may sign: say why (a revoked certificate, an unknown status under "require"), not just "no key".
    const first = refusals[0];
    if (out.length === 0 && first) throw new WebError('CARD_REFUSED', first.message, { cause: first });
    return out;
  }

  /** identity/'s pre-sign gate for one key: undefined when it may sign, else the refusal with pki/'s reasons. */
  private async gateRefusal(key: CardKey): Promise<GateError | undefined> {
    try {
      // The slot's own key where the card tells it, as openCardSession does: key.spki comes from the
      // certificate itself, so comparing with it alone could not catch a certificate left over from an earlier key.
      const keySpki = (await slotPublicKey(this.token, key)) ?? key.spki;
      await checkCardCertificate(
        { certificate: key.certificate, ...(key.certificateChain ? { chain: key.certificateChain } : {}), keySpki, keyLabel: key.label },
        { mode: 'kiosk', anchors: anchorsOf(this.config), revocation: this.revocation },
      );
      return undefined;
    } catch (err) {
      if (err instanceof GateError) return err;
      throw err;
    }
  }
}

class CcidReaderHandle implements ReaderHandle {
  constructor(private readonly reader: CcidReader, private readonly config: SiteConfig, private readonly revocation: RevocationOptions) {}
  get name(): string { return this.reader.name; }
  async cardPresent(): Promise<boolean> { return (await this.reader.slotStatus(0)) !== 'absent'; }
  onCardChange(listener: (present: boolean) => void): () => void {
    return this.reader.watch((e) => { if (e.slot === 0) listener(e.kind === 'inserted'); });
  }
  async openCard(): Promise<CardHandle> {
    const card = await this.reader.connect(0);
    try {
      return new TokenCardHandle(await openCardToken(card), this.config, this.revocation);
    } catch (err) {
      const lost = lostCardCode(err);
      if (lost) throw lostWhileReadingError(lost, err);
      if (errorCode(err) === 'NO_CARD_APPLICATION') throw new WebError('CARD_NO_APPLICATION', 'This card has neither a PIV nor an OpenPGP application; Tessera signs in with PIV cards and tokens and with OpenPGP cards.', { cause: err });
      throw err;
    }
  }
  close(): Promise<void> { return this.reader.close(); }
}

export function createCardStack(config: SiteConfig): CardStack {
  const revocation = revocationOf(config);
  return {
    async openReader(device: UsbDevice): Promise<ReaderHandle> {
      let readers: CcidReader[];
      try {
        readers = await CcidReader.open(device as unknown as UsbDeviceLike);
      } catch (err) {
        // WebUSB's SecurityError for the protected class 0x0B, as the driver reports it.
        if (/protected (USB |interface )?class/i.test(String((err as Error)?.message))) throw new WebError('USB_PROTECTED_CLASS', PROTECTED_CLASS_ADVICE, { cause: err });
        const cause = (err as { cause?: unknown }).cause;
        if (cause instanceof DOMException) throw usbError(cause, 'open the reader');
        throw err;
      }
      const reader = readers[0];
      if (!reader) throw new WebError('CARD_NO_CCID', 'This USB device is not a smart-card reader.');
      return new CcidReaderHandle(reader, config, revocation);
    },
  };
}
