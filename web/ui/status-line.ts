// The status line in the top bar; a polite live region, so screen readers announce each phase.
import type { Status } from '../session/status.ts';
import { byId } from './dom.ts';

export class StatusLine {
  private readonly root = byId('status');
  private readonly text = byId('status-text');
  private readonly detail = byId('status-detail');
  current: Status | undefined;

  show(s: Status): void {
    this.current = s;
    this.root.dataset['phase'] = s.phase;
    this.text.textContent = s.text;
    // The bar truncates long sentences; the tooltip carries the detail, or else the whole text.
    this.root.title = s.detail ?? s.text;
    // A tooltip is never announced (nor shown without a pointer): the detail is also in the live region, unless the
    // text already says it (a paste the browser refused changes only the detail).
    this.detail.textContent = s.detail && !s.text.includes(s.detail) ? ` ${s.detail}` : '';
  }
}
