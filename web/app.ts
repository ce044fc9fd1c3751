// The page: composes the terminal, the connection form, the status line, the dialogs, the card
// panel and the site policy. The SSH protocol, the card driver and X.509 live in the layers below.
import { hostAllowed, type SiteConfig } from './config/site-config.ts';
import { WebError, errorMessage } from './errors.ts';
import { CardPanel } from './ui/card-panel.ts';
import type { CardStack } from './smartcard/card-stack.ts';
import type { WebUsb } from './smartcard/webusb-types.ts';
import { IdleTimer } from './kiosk/idle-timer.ts';
import { TerminalView } from './terminal/terminal-view.ts';
import { isThemeName } from './terminal/themes.ts';
import { status, type Status } from './session/status.ts';
import { TerminalSession, assertPort, printable, type AuthQuestion, type SshDialer, type SshSigner } from './session/terminal-session.ts';
import { Profiles, targetLabel, type AuthMethod, type Profile, type RecentConnection } from './storage/profiles.ts';
import { createStore } from './storage/record-store.ts';
import { createHostKeyVerifier, hostKeyAlgorithmsFor, userEntryKey } from './trust/host-key-verifier.ts';
import { formatKnownHostsLine, parseKnownHosts, type KnownHostEntry } from './trust/known-hosts.ts';
import { byId, el } from './ui/dom.ts';
import { HostKeyDialog } from './ui/host-key-dialog.ts';
import { PinDialog } from './ui/pin-dialog.ts';
import { PromptDialog } from './ui/prompt-dialog.ts';
import { StatusLine } from './ui/status-line.ts';

export interface AppDeps {
  readonly config: SiteConfig;
  /** Loads the SSH layer lazily (it pulls in libsodium): the initial page stays small. */
  readonly loadDialer: () => Promise<SshDialer>;
  readonly usb: WebUsb | undefined;
  readonly cardStack: CardStack | undefined;
}

export class App {
  readonly statusLine = new StatusLine();
  readonly terminal: TerminalView;
  readonly hostKeyDialog = new HostKeyDialog();
  readonly pinDialog = new PinDialog();
  readonly promptDialog = new PromptDialog();
  readonly cardPanel: CardPanel;
  readonly profiles: Profiles;
  readonly knownHosts = createStore<KnownHostEntry>('known-hosts', false);
  private readonly siteKnownHosts: KnownHostEntry[];
  private session: TerminalSession | undefined;
  /** The session that signs in (or signed in) with the card: a removal ends it. */
  private cardSession: TerminalSession | undefined;
  private readonly idle: IdleTimer;
  private readonly form = byId<HTMLFormElement>('connect-form');
  private readonly formError = byId('form-error');
  private readonly connectButton = byId<HTMLButtonElement>('connect-button');
  private readonly disconnectButton = byId<HTMLButtonElement>('disconnect-button');

  constructor(private readonly deps: AppDeps) {
    const { config } = deps;
    const persistent = config.mode === 'personal';
    this.profiles = new Profiles(createStore('profiles', persistent), createStore('recent', persistent));
    this.knownHosts = createStore<KnownHostEntry>('known-hosts', persistent);
    this.siteKnownHosts = parseKnownHosts(config.knownHosts.join('\n'));
    this.terminal = new TerminalView(byId('terminal'));
    this.cardPanel = new CardPanel(deps.usb, deps.cardStack, {
      onRemoved: (reason) => { void this.cardRemoved(reason); },
      onUsbProblem: (message) => this.banner(message),
    });
    this.idle = new IdleTimer(config.idleTimeoutSeconds * 1000, () => { void this.kioskClear('The session ended after a period without activity.'); });
    this.statusLine.show(status.idle());
    this.bindForm();
    this.bindToolbar();
    this.bindKnownHosts();
    byId('mode-badge').hidden = config.mode !== 'kiosk';
    byId('profiles').hidden = !persistent;
    for (const id of ['import-known-hosts', 'export-known-hosts']) byId(id).hidden = !persistent;
    this.resetForm();
  }

  /** The host, user, port and sign-in method the site sets (the form's start, and a kiosk's after a clear). */
  private resetForm(): void {
    const config = this.deps.config;
    byId<HTMLInputElement>('host').value = config.defaultHost ?? '';
    byId<HTMLInputElement>('user').value = config.defaultUser ?? '';
    byId<HTMLInputElement>('port').value = String(config.defaultPort ?? 22);
    // The demo signs in with its simulated card; without one, with the test password.
    byId<HTMLSelectElement>('auth-method').value = config.demo?.password && !config.demo.virtualReaderPort ? 'password' : 'card';
    this.syncAuthRow();
  }

  async start(): Promise<void> {
    if (this.deps.config.mode === 'kiosk') this.idle.start();
    this.terminal.writeLine('\x1b[1mTessera\x1b[0m — SSH with your smart card. Fill in the server on the left and press Connect.');
    await Promise.all([this.renderProfiles(), this.renderKnownHostsSummary(), this.cardPanel.restore()]);
  }

  private banner(message: string): void {
    const b = byId('usb-help');
    b.textContent = message;
    b.hidden = false;
  }

  private syncAuthRow(): void {
    const method = byId<HTMLSelectElement>('auth-method').value;
    byId('password-row').hidden = method !== 'password';
    if (method === 'password' && this.deps.config.demo?.password) byId<HTMLInputElement>('password').value = this.deps.config.demo.password;
  }

  private bindForm(): void {
    byId<HTMLSelectElement>('auth-method').addEventListener('change', () => this.syncAuthRow());
    this.form.addEventListener('submit', (e) => { e.preventDefault(); void this.connect(); });
    this.disconnectButton.addEventListener('click', () => { void this.session?.close('You disconnected.'); });
    byId('save-profile').addEventListener('click', () => { void this.saveProfile(); });
  }

  private readForm(): { host: string; port: number; user: string; auth: AuthMethod; password: string } {
    // An IPv6 address may be typed in URL brackets ([::1], RFC 3986 §3.2.2): the target is the address
    // itself, as the site's allowedHosts and known_hosts ("[::1]:2222") name it.
    const typed = byId<HTMLInputElement>('host').value.trim();
    const host = /^\[[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\]$/.test(typed) ? typed.slice(1, -1) : typed;
    const user = byId<HTMLInputElement>('user').value.trim();
    if (!/^[A-Za-z0-9.:\-[\]]{1,253}$/.test(host)) throw new WebError('FORM_HOST', 'Enter the server’s host name or address.');
    if (!/^[A-Za-z0-9._-][A-Za-z0-9._@-]{0,63}$/.test(user)) throw new WebError('FORM_USER', 'Enter the user name to sign in as.');
    const port = assertPort(byId<HTMLInputElement>('port').value.trim());
    if (!hostAllowed(this.deps.config, host)) throw new WebError('HOST_NOT_ALLOWED', `This site only allows connections to: ${this.deps.config.allowedHosts.join(', ')}.`);
    const auth = byId<HTMLSelectElement>('auth-method').value === 'password' ? 'password' : 'card';
    return { host, port, user, auth, password: byId<HTMLInputElement>('password').value };
  }

  async connect(): Promise<void> {
    this.formError.textContent = '';
    let target: ReturnType<App['readForm']>;
    try { target = this.readForm(); } catch (err) { this.formError.textContent = errorMessage(err); return; }
    if (this.session?.active) await this.session.close('A new connection replaced this one.');
    const session = new TerminalSession(this.terminal, (s) => this.statusLine.show(s));
    this.session = session;
    this.cardSession = target.auth === 'card' ? session : undefined;
    this.setConnected(true);
    void session.done.then(async () => {
      if (this.session === session) {
        this.setConnected(false);
        // A question still open belongs to the session that ended (the card pulled out, the relay gone):
        // it closes unanswered (refused), so nothing is remembered for a connection that no longer exists.
        this.hostKeyDialog.dismiss();
        this.pinDialog.dismiss();
        this.promptDialog.dismiss();
      }
      // Once its output is shown: back to the normal screen (its scrollback), selectable without mouse reports.
      await session.outputDone;
      if (this.session === session) await this.terminal.resetModes();
    });
    const config = this.deps.config;
    try {
      // A new session starts on the normal screen with the default modes, whatever the last one left.
      await this.terminal.resetModes();
      const dial = await this.deps.loadDialer();
      // Each wait below may outlast the session (Disconnect, card removed, kiosk cleared): stop there.
      if (session.finished) return;
      // Kiosk: only the site's lines count (nothing the user imported or remembered).
      const known = { host: target.host, port: target.port, siteEntries: this.siteKnownHosts, ...(config.mode === 'personal' ? { userStore: this.knownHosts } : {}) };
      const verifyHostKey = createHostKeyVerifier({
        ...known,
        trustOnFirstUse: config.trustOnFirstUse, canRemember: config.mode === 'personal',
        ask: (q) => this.hostKeyDialog.ask(q).finally(() => this.terminal.focus()),
      });
      const hostKeyAlgorithms = await hostKeyAlgorithmsFor(known);
      this.terminal.writeLine(`\r\n\x1b[2mConnecting to ${targetLabel(target)}…\x1b[0m`);
      const prompt = (q: AuthQuestion) => this.askServer(session, q);
      const auth = target.auth === 'password' ? { password: target.password, prompt } : { signers: await this.cardSigners(session), prompt };
      if (session.finished) return;
      await session.start(config.relayUrl, target, dial, auth, {
        hostKeyAlgorithms,
        ...(config.serverAliveIntervalSeconds > 0 ? { keepalive: { intervalMs: config.serverAliveIntervalSeconds * 1000, maxMissed: config.serverAliveCountMax } } : {}),
        verifyHostKey: async (key) => {
          await verifyHostKey(key);
          void this.renderKnownHostsSummary();
        },
      });
      // Ended while dialing (card removed, idle timeout, a newer connection): nothing to remember.
      if (!session.active) return;
      await this.profiles.noteConnected({ host: target.host, port: target.port, user: target.user, auth: target.auth });
      void this.renderProfiles();
    } catch (err) {
      await session.fail(err);
    } finally {
      byId<HTMLInputElement>('password').value = config.demo?.password ?? '';
    }
  }

  /**
   * The card's SSH signers, after the PIN dialog when the card needs it (one VERIFY per attempt, never
   * automatic). The certificate check (kiosk: identity/'s gate, revocation included) runs first, so a
   * refused card is not asked for its PIN. A session that ended while the card was read asks nothing:
   * its PIN would be sent (and may cost a try) for a connection that no longer exists.
   */
  private async cardSigners(session: TerminalSession): Promise<SshSigner[]> {
    const card = this.cardPanel.card;
    if (!card) throw new WebError('CARD_NOT_READY', 'Connect a card reader and insert your card first (Smart card, on the left), or sign in with a password.');
    this.progress(session, status.checkingCard(card.type));
    const signers = await card.signers({ onTouch: (on) => { byId('touch-prompt').hidden = !on; } });
    if (signers.length === 0) throw new WebError('CARD_NO_KEYS', 'The card holds no key that can sign in over SSH (or its certificates are not valid under this site’s policy).');
    const pin = await card.pinStatus();
    if (session.finished) throw new WebError('SESSION_ENDED', 'The session was closed while connecting.');
    if (pin.blocked) throw new WebError('PIN_BLOCKED', `The card’s ${card.pinRule.name} is blocked. Ask your administrator to unblock it with ${card.pinRule.unblockWith}.`);
    if (!pin.verified) {
      this.progress(session, status.waitingForPin(card.type));
      // The keyboard goes back to the terminal once the dialog closes, however it closed (the dialog would
      // return it to Connect, disabled while connecting, so it fell to the page's body).
      await this.pinDialog.prompt({
        cardName: card.type,
        pinRule: card.pinRule,
        ...(pin.retriesLeft !== undefined ? { retriesLeft: pin.retriesLeft } : {}),
        verify: (p) => card.verifyPin(p),
      }).finally(() => this.terminal.focus());
    }
    return signers;
  }

  /** The server's sign-in questions, asked of the user; a notice without questions is shown in the terminal. */
  private async askServer(session: TerminalSession, q: AuthQuestion): Promise<readonly string[]> {
    if (this.session !== session || session.finished) throw new WebError('SESSION_ENDED', 'The session was closed while connecting.');
    if (q.prompts.length === 0) {
      for (const text of [q.name, q.instruction]) if (text !== '') this.terminal.writeLine(printable(text));
      return [];
    }
    return this.promptDialog.ask(q).finally(() => this.terminal.focus());
  }

  /** What `session` is doing before it dials, unless it ended or another replaced it (their status stands). */
  private progress(session: TerminalSession, s: Status): void {
    if (this.session === session && !session.finished) this.statusLine.show(s);
  }

  private setConnected(on: boolean): void {
    this.connectButton.disabled = on;
    this.disconnectButton.disabled = !on;
  }

  /**
   * The card left the reader: the session that used it ends, whether its shell is open or it is still
   * dialing (between the card's signature and the shell, a removal must not let the shell open).
   */
  private async cardRemoved(reason: string): Promise<void> {
    // The server's question stays unless it is the card session's (closing that session dismisses it): a password
    // session's one-time code is not the card's business.
    this.pinDialog.dismiss();
    await this.cardSession?.close(`${reason} The session that used it was ended.`);
    if (this.deps.config.mode === 'kiosk') await this.kioskClear(reason);
  }

  /** Kiosk: end the session (open or still dialing), close the dialogs, and forget everything on the page. */
  async kioskClear(reason: string): Promise<void> {
    this.pinDialog.dismiss();
    this.promptDialog.dismiss();
    this.hostKeyDialog.dismiss();
    await this.session?.close(reason);
    // Both screens, the scrollback, output still in flight and the modes (clear() kept the normal
    // screen's scrollback while the alternate screen was shown, and output that landed after it).
    this.terminal.wipe();
    // The form, the search box and the lists rendered from the stores (hidden in a kiosk, still in the page).
    for (const id of ['password', 'search-input']) byId<HTMLInputElement>(id).value = '';
    this.resetForm();
    this.formError.textContent = '';
    await Promise.all([this.profiles.clear(), this.knownHosts.clear(), this.cardPanel.clear()]);
    await Promise.all([this.renderProfiles(), this.renderKnownHostsSummary()]);
    this.statusLine.show(status.closed(reason));
  }

  private bindToolbar(): void {
    const theme = byId<HTMLSelectElement>('theme-select');
    theme.addEventListener('change', () => { if (isThemeName(theme.value)) this.terminal.setTheme(theme.value); });
    const a11y = byId<HTMLInputElement>('a11y-mode');
    a11y.addEventListener('change', () => this.terminal.setScreenReaderMode(a11y.checked));
    const search = byId<HTMLInputElement>('search-input');
    const find = () => { this.terminal.findNext(search.value); };
    byId('search-next').addEventListener('click', find);
    search.addEventListener('keydown', (e) => { if (e.key === 'Enter') find(); });
    byId('copy-button').addEventListener('click', () => { void navigator.clipboard?.writeText(this.terminal.selection()).catch(() => undefined); });
    byId('paste-button').addEventListener('click', () => {
      void navigator.clipboard?.readText().then((text) => this.terminal.paste(text)).catch(() => {
        this.statusLine.show({ ...this.statusLine.current ?? status.idle(), detail: 'Paste with Ctrl+Shift+V: the browser denied clipboard access.' });
      });
    });
    byId('clear-button').addEventListener('click', () => this.terminal.clear());
    // One flash per 150 ms at most: a server that sends BEL by the megabyte (a binary file cat'ed, or
    // on purpose) had the page start a style change and a timer for every byte, freezing it for seconds.
    const area = byId('terminal');
    let ringing = false;
    this.terminal.onBell(() => {
      if (ringing) return;
      ringing = true;
      area.classList.add('bell');
      setTimeout(() => { area.classList.remove('bell'); ringing = false; }, 150);
    });
  }

  private async renderProfiles(): Promise<void> {
    const fill = (p: Profile | RecentConnection) => {
      byId<HTMLInputElement>('host').value = p.host;
      byId<HTMLInputElement>('port').value = String(p.port);
      byId<HTMLInputElement>('user').value = p.user;
      byId<HTMLSelectElement>('auth-method').value = p.auth;
      this.syncAuthRow();
    };
    const item = (p: Profile | RecentConnection, label: string) => {
      const b = el('button', { type: 'button', class: 'link' }, label);
      b.addEventListener('click', () => fill(p));
      return el('li', {}, b);
    };
    const [saved, recent] = await Promise.all([this.profiles.list(), this.profiles.recent()]);
    // Profiles saved before names carried the port ("user@host") show their target beside the name.
    byId('profile-list').replaceChildren(...saved.map((p) => item(p, p.name === targetLabel(p) ? p.name : `${p.name} (${targetLabel(p)})`)));
    byId('recent-list').replaceChildren(...recent.map((p) => item(p, targetLabel(p))));
  }

  /** Saves the form's target under user@host:port: the same user and host on another port is another profile. */
  private async saveProfile(): Promise<void> {
    this.formError.textContent = '';
    try {
      const t = this.readForm();
      await this.profiles.save({ name: targetLabel(t), host: t.host, port: t.port, user: t.user, auth: t.auth });
      await this.renderProfiles();
    } catch (err) {
      this.formError.textContent = errorMessage(err);
    }
  }

  private bindKnownHosts(): void {
    const file = byId<HTMLInputElement>('known-hosts-file');
    byId('import-known-hosts').addEventListener('click', () => file.click());
    file.addEventListener('change', () => { void this.importKnownHosts(file); });
    byId('export-known-hosts').addEventListener('click', () => { void this.exportKnownHosts(); });
  }

  /**
   * Personal mode: adds known_hosts lines (plain keys, @cert-authority, @revoked) to the user's own. A kiosk
   * trusts only the site's lines: nothing a user brings may widen it (or outlive them on a shared PC).
   */
  async importKnownHosts(input: HTMLInputElement | string): Promise<number> {
    try {
      if (this.deps.config.mode === 'kiosk') throw new WebError('KIOSK_KNOWN_HOSTS', 'This kiosk trusts only the host keys its administrator provisioned; known hosts cannot be imported here.');
      const text = typeof input === 'string' ? input : await input.files?.[0]?.text() ?? '';
      const entries = parseKnownHosts(text);
      for (const e of entries) await this.knownHosts.put(userEntryKey(e), e);
      await this.renderKnownHostsSummary();
      return entries.length;
    } catch (err) {
      byId('known-hosts-summary').textContent = errorMessage(err);
      return 0;
    } finally {
      if (typeof input !== 'string') input.value = '';
    }
  }

  async knownHostsText(): Promise<string> {
    return (await this.knownHosts.list()).map(formatKnownHostsLine).join('\n') + '\n';
  }

  private async exportKnownHosts(): Promise<void> {
    const blob = new Blob([await this.knownHostsText()], { type: 'text/plain' });
    const a = el('a', { href: URL.createObjectURL(blob), download: 'known_hosts' });
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  private async renderKnownHostsSummary(): Promise<void> {
    const user = await this.knownHosts.list();
    const n = user.filter((e) => e.marker === '').length;
    const site = this.siteKnownHosts.length;
    const parts = [n === 0 ? 'No remembered hosts' : `${n} remembered host key${n === 1 ? '' : 's'}`];
    const cas = user.filter((e) => e.marker === '@cert-authority').length;
    const revoked = user.filter((e) => e.marker === '@revoked').length;
    if (cas > 0) parts.push(`${cas} certificate authorit${cas === 1 ? 'y' : 'ies'}`);
    if (revoked > 0) parts.push(`${revoked} revoked key${revoked === 1 ? '' : 's'}`);
    if (site > 0) parts.push(`${site} provisioned by the site`);
    byId('known-hosts-summary').textContent = `${parts.join('; ')}.`;
  }
}
