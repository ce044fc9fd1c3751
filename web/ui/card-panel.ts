// The card panel: "Connect reader", the reader and card, the keys with their certificates and
// pki/ verdicts, and card removal. The USB and card work goes through CardStack (card-stack.ts).
import { WebError, errorMessage } from '../errors.ts';
import { LOST_WHILE_READING } from '../smartcard/card-lost.ts';
import type { CardHandle, CardStack, KeyView, ReaderHandle, SkippedKeyView } from '../smartcard/card-stack.ts';
import { grantedReaders, readerName, requestReader } from '../smartcard/usb-readers.ts';
import type { WebUsb } from '../smartcard/webusb-types.ts';
import { byId, el } from './dom.ts';

export type CardState = 'unsupported' | 'no-reader' | 'opening' | 'no-card' | 'reading' | 'ready' | 'error';

export interface CardPanelEvents {
  /** The card was removed or the reader unplugged: sessions that used it end. */
  onRemoved(reason: string): void;
  /** A protected-class or other USB error the user must act on (shown as a banner). */
  onUsbProblem(message: string): void;
}

function formatDate(d: Date): string { return d.toISOString().slice(0, 10); }

export class CardPanel {
  private readonly root = byId('card-panel');
  private readonly message = byId('card-message');
  private readonly details = byId('card-details');
  private readonly readerEl = byId('card-reader');
  private readonly typeEl = byId('card-type');
  private readonly keysEl = byId<HTMLUListElement>('card-keys');
  private readonly button = byId<HTMLButtonElement>('connect-reader');
  private reader: ReaderHandle | undefined;
  private unsubscribe: (() => void) | undefined;
  card: CardHandle | undefined;
  keys: KeyView[] = [];

  constructor(private readonly usb: WebUsb | undefined, private readonly stack: CardStack | undefined, private readonly events: CardPanelEvents) {
    if (!usb) {
      this.set('unsupported', 'This browser has no WebUSB. Use Chrome or Edge on a desktop computer to sign in with a card.');
      this.button.disabled = true;
    } else if (!stack) {
      this.set('no-reader', 'No reader connected.');
    }
    this.button.addEventListener('click', () => { void this.choose(); });
    // The reader unplugged (WebUSB "disconnect"): sessions that used its card end.
    usb?.addEventListener('disconnect', (event) => { if (event.device === this.device) void this.readerGone(); });
  }

  private device: unknown;
  /** The card presence this panel acted on last (undefined: none yet for this reader). */
  private cardIn: boolean | undefined;
  /** Counts presence changes: a card read that a newer change overtook (removed meanwhile, read again) is dropped. */
  private presenceGeneration = 0;

  get state(): CardState { return this.root.dataset['state'] as CardState; }

  private set(state: CardState, message: string): void {
    this.root.dataset['state'] = state;
    this.message.textContent = message;
  }

  /** Reopens a reader granted on an earlier visit, without a chooser. */
  async restore(): Promise<void> {
    if (!this.usb || !this.stack) return;
    try {
      const [device] = await grantedReaders(this.usb);
      if (device) await this.open(device);
    } catch (err) {
      this.fail(err);
    }
  }

  async choose(): Promise<void> {
    if (!this.usb) return;
    try {
      const device = await requestReader(this.usb);
      await this.open(device);
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): void {
    const message = errorMessage(err);
    this.set('error', message);
    if (err instanceof WebError && err.code.startsWith('USB_') && err.code !== 'USB_NO_DEVICE') this.events.onUsbProblem(message);
  }

  private async open(device: Parameters<CardStack['openReader']>[0]): Promise<void> {
    if (!this.stack) throw new WebError('CARD_STACK_MISSING', 'Card support is not built into this page yet; sign in with a password.');
    await this.release();
    this.set('opening', `Opening ${readerName(device)}…`);
    const reader = await this.stack.openReader(device);
    this.reader = reader;
    this.device = device;
    this.readerEl.textContent = reader.name;
    this.details.hidden = false;
    this.unsubscribe = reader.onCardChange((present) => { void this.cardChanged(present); });
    await this.cardChanged(await reader.cardPresent());
  }

  private async cardChanged(present: boolean): Promise<void> {
    // The reader's first "inserted" notice and open()'s own cardPresent() tell the same insertion: reading the card
    // twice made the second connect (a new power-on) invalidate the first read, which then failed with "removed" or
    // was left behind as this.card (ccid/reader.ts connect marks the earlier card handle removed).
    if (present && this.cardIn === true) return;
    this.cardIn = present;
    const generation = ++this.presenceGeneration;
    if (!present) {
      const hadCard = this.card !== undefined;
      this.card = undefined;
      this.keys = [];
      this.keysEl.replaceChildren();
      this.typeEl.textContent = '—';
      this.set('no-card', 'Insert a card into the reader.');
      if (hadCard) this.events.onRemoved('The card was removed.');
      return;
    }
    if (!this.reader) return;
    this.set('reading', 'Reading the card…');
    const current = () => generation === this.presenceGeneration;
    try {
      const card = await this.reader.openCard();
      if (!current()) return;
      this.card = card;
      card.onLost((message, reconnect) => { void this.cardLost(card, message, reconnect); });
      this.typeEl.textContent = card.type;
      const keys = await card.keys();
      if (!current()) return;
      this.keys = keys;
      this.renderKeys(card.skippedKeys());
      const refused = this.keys.length > 0 && this.keys.every((k) => k.refusal !== undefined);
      this.set('ready', this.keys.length === 0 ? 'The card holds no keys usable for SSH.'
        : refused ? 'Card read, but this site’s policy lets none of its keys sign (see below).' : 'Card ready.');
    } catch (err) {
      if (current()) this.fail(err);
    }
  }

  /**
   * The reader lost the card without its removal (reset, out of step, stuck): this handle is dead. The failed
   * operation already said why; the card is connected again (a new power-on and read, its PIN asked afresh at the
   * next sign-in) unless the reader itself is stuck. Nothing is retried for the operation that failed.
   */
  private async cardLost(card: CardHandle, message: string, reconnect: boolean): Promise<void> {
    if (this.card !== card) return;
    // Lost while the panel itself was reading it: connecting again could go round for good; the user decides.
    const whileReading = this.state === 'reading';
    this.card = undefined;
    this.keys = [];
    this.keysEl.replaceChildren();
    this.typeEl.textContent = '—';
    if (!reconnect || whileReading) {
      this.presenceGeneration++;
      this.set('error', reconnect ? LOST_WHILE_READING : message);
      return;
    }
    this.cardIn = undefined;
    await this.cardChanged(true);
  }

  private renderKeys(skipped: readonly SkippedKeyView[]): void {
    // A slot the page cannot use is named with why, so a missing key is not a mystery (the others still work).
    const unusable = skipped.map((s) => el('li', { class: 'key' }, el('div', { class: 'key-title' }, s.label), el('div', { class: 'cert-line muted' }, `Not usable: ${s.reason.replace(/\.$/, '')}.`)));
    this.keysEl.replaceChildren(...this.keys.map((k) => {
      const item = el('li', { class: 'key' }, el('div', { class: 'key-title' }, `${k.label} · ${k.algorithm}`));
      if (k.fingerprint) item.append(el('div', { class: 'cert-line' }, k.fingerprint));
      const c = k.certificate;
      if (c) {
        item.append(
          el('div', { class: 'cert-line' }, `Subject: ${c.subject}`),
          el('div', { class: 'cert-line' }, `Issuer: ${c.issuer}`),
          el('div', { class: 'cert-line' }, `Valid: ${formatDate(c.notBefore)} to ${formatDate(c.notAfter)}`),
          el('div', { class: c.verdict.valid ? 'verdict ok' : 'verdict bad' },
            c.verdict.valid ? 'Certificate valid' : `Certificate invalid: ${c.verdict.reason ?? 'unknown reason'}`),
        );
      } else {
        item.append(el('div', { class: 'cert-line muted' }, 'No certificate on the card for this key.'));
      }
      if (k.refusal) item.append(el('div', { class: 'verdict bad' }, k.refusal));
      if (k.needsTouch) item.append(el('div', { class: 'cert-line muted' }, 'Requires a touch to sign.'));
      return item;
    }), ...unusable);
  }

  /** The reader was unplugged (navigator.usb "disconnect"). */
  async readerGone(): Promise<void> {
    const had = this.card !== undefined;
    // release() forgets the reader at once; the sessions end without waiting for a gone device's close().
    const closing = this.release();
    this.set('no-reader', 'The reader was disconnected.');
    if (had) this.events.onRemoved('The card reader was disconnected.');
    await closing;
  }

  private async release(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.cardIn = undefined;
    this.presenceGeneration++;
    this.card = undefined;
    this.keys = [];
    this.keysEl.replaceChildren();
    this.details.hidden = true;
    const r = this.reader;
    this.reader = undefined;
    try { await r?.close(); } catch { /* gone */ }
  }

  /** Kiosk clear: forget the reader and card. */
  async clear(): Promise<void> {
    await this.release();
    this.set(this.usb ? 'no-reader' : 'unsupported', this.usb ? 'No reader connected.' : this.message.textContent ?? '');
  }
}
