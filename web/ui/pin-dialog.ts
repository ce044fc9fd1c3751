// The PIN dialog: page-owned, the retries left shown before and after each attempt, nothing
// retried automatically, and the PIN never stored (ARCHITECTURE.md, "PIN").
import { WebError, errorCode, errorMessage } from '../errors.ts';
import { PIV_PIN_RULE, type PinRule } from '../smartcard/card-stack.ts';
import { byId } from './dom.ts';

export interface PinPromptOptions {
  readonly cardName: string;
  readonly retriesLeft?: number;
  /** The card's PIN rule (length, characters); PIV's when not given. */
  readonly pinRule?: PinRule;
  /** Sends one VERIFY; rejects with code PIN_INCORRECT (retriesLeft) or PIN_BLOCKED. */
  verify(pin: string): Promise<void>;
}

/** A card transport error's own code (card/'s CardTransportError.transportCode), when there is one. */
function transportCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'transportCode' in err && typeof err.transportCode === 'string' ? err.transportCode : undefined;
}

/** Why `pin` cannot be this card's PIN, or undefined when it may be sent. */
function pinProblem(pin: string, rule: PinRule): string | undefined {
  const length = rule.asciiOnly ? pin.length : new TextEncoder().encode(pin).length;
  const control = (c: string) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f;
  const characters = rule.asciiOnly ? /^[\x20-\x7e]*$/.test(pin) : ![...pin].some(control);
  if (length >= rule.minLength && length <= rule.maxLength && characters) return undefined;
  const article = /^[AEIOU]/.test(rule.name) ? 'An' : 'A';
  return `${article} ${rule.name} has ${rule.minLength} to ${rule.maxLength} characters.`;
}

function retriesText(n: number | undefined): string {
  if (n === undefined) return '';
  if (n === 1) return 'Last attempt: one more wrong PIN blocks the card.';
  return `${n} attempts left before the card blocks.`;
}

export class PinDialog {
  private readonly dialog = byId<HTMLDialogElement>('pin-dialog');
  private readonly form = byId<HTMLFormElement>('pin-form');
  private readonly input = byId<HTMLInputElement>('pin-input');
  private readonly help = byId('pin-help');
  private readonly retries = byId('pin-retries');
  private readonly error = byId('pin-error');
  private readonly cancel = byId<HTMLButtonElement>('pin-cancel');
  private readonly ok = byId<HTMLButtonElement>('pin-ok');
  /** Cancels the open prompt, if any. */
  private cancelOpen: (() => void) | undefined;

  /** Closes the dialog if it is open (the card was removed, the kiosk cleared): the prompt rejects PIN_CANCELLED. */
  dismiss(): void {
    this.cancelOpen?.();
  }

  /** Resolves when the card accepted the PIN; rejects PIN_CANCELLED or PIN_BLOCKED. */
  prompt(o: PinPromptOptions): Promise<void> {
    // One prompt at a time: an earlier one still open is cancelled, or one submit would reach both
    // prompts' listeners and send the PIN twice (two tries of the card's counter for one entry).
    this.cancelOpen?.();
    this.help.textContent = `${o.cardName} needs its PIN to sign in. The PIN goes only to the card.`;
    this.retries.textContent = retriesText(o.retriesLeft);
    this.error.textContent = '';
    this.input.value = '';
    this.ok.disabled = false;
    const rule = o.pinRule ?? PIV_PIN_RULE;
    // The field follows the card: a PIV PIN is 6-8 digits or characters; an OpenPGP PW1 may be a long passphrase.
    this.input.minLength = rule.minLength;
    this.input.maxLength = rule.maxLength;
    this.input.inputMode = rule.asciiOnly ? 'numeric' : 'text';
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        this.cancelOpen = undefined;
        this.form.removeEventListener('submit', onSubmit);
        this.cancel.removeEventListener('click', onCancel);
        this.dialog.removeEventListener('cancel', onCancel);
        this.input.value = '';
        this.dialog.close();
        // Nothing of this card stays in the closed dialog (its name, its retry count).
        for (const line of [this.help, this.retries, this.error]) line.textContent = '';
      };
      const onCancel = (e?: Event) => {
        e?.preventDefault();
        cleanup();
        reject(new WebError('PIN_CANCELLED', 'PIN entry was cancelled; the card did not sign.'));
      };
      const onSubmit = async (e: Event) => {
        e.preventDefault();
        const pin = this.input.value;
        const problem = pinProblem(pin, rule);
        if (problem) { this.error.textContent = problem; return; }
        this.ok.disabled = true;
        this.error.textContent = 'Checking the PIN with the card…';
        try {
          await o.verify(pin);
          cleanup();
          resolve();
        } catch (err) {
          this.input.value = '';
          this.ok.disabled = false;
          if (errorCode(err) === 'PIN_INCORRECT') {
            const left = (err as { retriesLeft?: number }).retriesLeft;
            this.error.textContent = 'Wrong PIN.';
            this.retries.textContent = retriesText(left);
            this.input.focus();
          } else if (transportCode(err) === 'T1_RESYNCHRONISED') {
            // ccid/t1.ts: the reader lost the card's answer and did not send the PIN again. The card may
            // have counted that attempt, so the user decides whether to try again (never automatic).
            this.error.textContent = 'The reader lost contact with the card while it checked the PIN, and did not send it again. The card may have counted that attempt. Try again.';
            this.retries.textContent = '';
            this.input.focus();
          } else {
            cleanup();
            reject(err instanceof WebError ? err : new WebError(errorCode(err) ?? 'PIN_FAILED', errorMessage(err), { cause: err }));
          }
        }
      };
      this.form.addEventListener('submit', onSubmit);
      this.cancel.addEventListener('click', onCancel);
      this.dialog.addEventListener('cancel', onCancel);
      this.cancelOpen = onCancel;
      this.dialog.showModal();
      this.input.focus();
    });
  }
}
