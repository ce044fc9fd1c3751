// The server's sign-in questions (keyboard-interactive, RFC 4256 §3.2): a one-time code, a password after the
// card's key was accepted. The text is the server's, so it is shown as such, stripped of control and direction
// characters, cut to a sane length, and never taken for the card's PIN dialog.
import { WebError } from '../errors.ts';
import type { AuthQuestion } from '../session/terminal-session.ts';
import { byId, el } from './dom.ts';

const MAX_TEXT = 1000;
const MAX_PROMPT = 200;

/** Server text for display: no control characters (line breaks kept), no bidirectional overrides, bounded. */
export function serverText(text: string, max: number): string {
  // C0 and C1 controls, DEL, and the Unicode direction controls (U+200E-200F, U+202A-202E, U+2066-2069).
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

export class PromptDialog {
  private readonly dialog = byId<HTMLDialogElement>('prompt-dialog');
  private readonly form = byId<HTMLFormElement>('prompt-form');
  private readonly name = byId('prompt-name');
  private readonly instruction = byId('prompt-instruction');
  private readonly fields = byId('prompt-fields');
  private readonly cancel = byId<HTMLButtonElement>('prompt-cancel');
  private cancelOpen: (() => void) | undefined;

  /** Closes the dialog if it is open (the session ended): the question rejects PROMPT_CANCELLED. */
  dismiss(): void {
    this.cancelOpen?.();
  }

  /** The user's answers, one per prompt, in order; rejects PROMPT_CANCELLED. */
  ask(question: AuthQuestion): Promise<string[]> {
    this.cancelOpen?.();
    this.name.textContent = serverText(question.name, MAX_PROMPT);
    this.instruction.textContent = serverText(question.instruction, MAX_TEXT);
    const inputs = question.prompts.map((p, i) => el('input', {
      id: `prompt-input-${i}`, type: p.echo ? 'text' : 'password', autocomplete: 'off', spellcheck: 'false',
    }));
    this.fields.replaceChildren(...question.prompts.flatMap((p, i) => [
      el('label', { for: `prompt-input-${i}` }, serverText(p.prompt, MAX_PROMPT) || `Answer ${i + 1}`), inputs[i]!,
    ]));
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        this.cancelOpen = undefined;
        this.form.removeEventListener('submit', onSubmit);
        this.cancel.removeEventListener('click', onCancel);
        this.dialog.removeEventListener('cancel', onCancel);
        this.dialog.close();
        // Nothing of the question or the answers stays in the closed dialog.
        for (const input of inputs) input.value = '';
        this.fields.replaceChildren();
        this.name.textContent = '';
        this.instruction.textContent = '';
      };
      const onCancel = (e?: Event) => {
        e?.preventDefault();
        cleanup();
        reject(new WebError('PROMPT_CANCELLED', 'Sign-in was cancelled at the server\'s question.'));
      };
      const onSubmit = (e: Event) => {
        e.preventDefault();
        const answers = inputs.map((input) => input.value);
        cleanup();
        resolve(answers);
      };
      this.form.addEventListener('submit', onSubmit);
      this.cancel.addEventListener('click', onCancel);
      this.dialog.addEventListener('cancel', onCancel);
      this.cancelOpen = onCancel;
      this.dialog.showModal();
      (inputs[0] ?? byId<HTMLButtonElement>('prompt-ok')).focus();
    });
  }
}
