// The host-key dialog: the SHA256 fingerprint as OpenSSH prints it; accept once / remember /
// refuse for an unknown key; a hard stop with an explanation for a changed or revoked key.
import type { HostKeyChoice, HostKeyQuestion } from '../trust/host-key-verifier.ts';
import { hostName } from '../trust/known-hosts.ts';
import { byId, el } from './dom.ts';

export class HostKeyDialog {
  private readonly dialog = byId<HTMLDialogElement>('host-key-dialog');
  private readonly title = byId('hk-title');
  private readonly body = byId('hk-body');
  private readonly fingerprint = byId('hk-fingerprint');
  private readonly refuse = byId<HTMLButtonElement>('hk-refuse');
  private readonly once = byId<HTMLButtonElement>('hk-once');
  private readonly remember = byId<HTMLButtonElement>('hk-remember');
  /** Refuses the open question, if any. */
  private refuseOpen: (() => void) | undefined;

  /** Closes the dialog if it is open (kiosk cleared): the question is answered 'refuse'. */
  dismiss(): void {
    this.refuseOpen?.();
  }

  ask(q: HostKeyQuestion): Promise<HostKeyChoice> {
    // One question at a time: an earlier one still open is refused (its buttons' listeners would answer both).
    this.refuseOpen?.();
    const name = hostName(q.host, q.port);
    this.body.replaceChildren();
    this.dialog.dataset['kind'] = q.kind;
    if (q.kind === 'unknown') {
      this.title.textContent = 'Verify the server’s identity';
      this.body.append(
        el('p', {}, `This is the first connection to `, el('strong', {}, name), ` from this browser. Its ${q.keyType} host key has this fingerprint:`),
      );
      this.fingerprint.textContent = q.fingerprint;
      this.body.append(el('p', { class: 'muted' }, 'Compare it with the fingerprint your administrator published (ssh-keygen -lf on the server). Accept only if they are identical.'));
    } else if (q.kind === 'changed') {
      this.title.textContent = 'Warning: the server’s host key changed';
      this.body.append(
        el('p', { class: 'danger' }, `The ${q.keyType} host key of `, el('strong', {}, name), ' is not the one on record. Someone could be intercepting this connection (a man-in-the-middle), or the server was reinstalled.'),
        el('p', {}, `On record: ${q.knownFingerprint ?? '(unknown)'}`),
        el('p', {}, 'The connection was stopped. If the change is expected, ask the administrator to confirm the new fingerprint, then remove the old entry from your known hosts.'),
      );
      this.fingerprint.textContent = `Presented: ${q.fingerprint}`;
    } else if (q.kind === 'other-type') {
      this.title.textContent = 'Warning: the server presented an unexpected kind of host key';
      this.body.append(
        el('p', { class: 'danger' }, el('strong', {}, name), ` presented a ${q.keyType} host key, but it is on record only with keys of other types. Someone could be intercepting this connection (a man-in-the-middle), or the server’s keys were replaced.`),
        el('p', {}, `On record: ${q.knownFingerprint ?? '(unknown)'}`),
        el('p', {}, 'The connection was stopped. If the change is expected, ask the administrator to confirm the new fingerprint and update the known hosts.'),
      );
      this.fingerprint.textContent = `Presented: ${q.fingerprint}`;
    } else {
      this.title.textContent = 'The server’s host key is revoked';
      this.body.append(el('p', { class: 'danger' }, `The host key presented by `, el('strong', {}, name), ' is marked revoked by the site policy. The connection was stopped.'));
      this.fingerprint.textContent = q.fingerprint;
    }
    const prompt = q.kind === 'unknown';
    this.once.hidden = !prompt;
    this.remember.hidden = !prompt || !q.canRemember;
    this.refuse.textContent = prompt ? 'Refuse' : 'Close';
    return new Promise((resolve) => {
      const finish = (choice: HostKeyChoice) => {
        cleanup();
        this.dialog.close();
        // The closed dialog keeps nothing of this connection (host, fingerprints): a kiosk's next user sees none.
        this.title.textContent = '';
        this.body.replaceChildren();
        this.fingerprint.textContent = '';
        resolve(choice);
      };
      const onRefuse = () => finish('refuse');
      const onOnce = () => finish('once');
      const onRemember = () => finish('remember');
      const onCancel = (e: Event) => { e.preventDefault(); finish('refuse'); };
      const cleanup = () => {
        this.refuseOpen = undefined;
        this.refuse.removeEventListener('click', onRefuse);
        this.once.removeEventListener('click', onOnce);
        this.remember.removeEventListener('click', onRemember);
        this.dialog.removeEventListener('cancel', onCancel);
      };
      this.refuse.addEventListener('click', onRefuse);
      this.once.addEventListener('click', onOnce);
      this.remember.addEventListener('click', onRemember);
      this.dialog.addEventListener('cancel', onCancel);
      this.refuseOpen = onRefuse;
      this.dialog.showModal();
      (prompt ? this.refuse : this.refuse).focus();
    });
  }
}
