// What axe-core cannot check, checked by hand in Debian's Chromium (the real relay and sshd, a simulated PIV card in
// the virtual reader): the keyboard alone through the form, the card panel and the dialogs (Tab order, Enter,
// Escape, where the focus goes), the dialogs' accessible names and descriptions as Chromium computes them, which
// messages are live regions, the terminal's Tab (the shell's, or the focus's after Ctrl+Shift+M), the contrast of
// placeholders and of the primary buttons under the pointer, and a narrow (or zoomed) window.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProfile, provisionPivCard, VirtualReader, type ProvisionedPivCard } from '../../sim/index.ts';
import { startSshd, type SshServerPeer } from '../peers/index.ts';
import { openApp, startWebStack, statusText, typeCommand, waitForTerminal, type WebStack } from './harness.ts';
import { sshP256Line } from './ssh-lines.ts';
import { bridgeUsb } from './usb-bridge.ts';

/** Where the keyboard is: the element's id, 'terminal' for xterm.js's input, else the tag. */
const focused = (page: Page) => page.evaluate(() => {
  const a = document.activeElement;
  if (a?.classList.contains('xterm-helper-textarea')) return 'terminal';
  return a?.id || a?.tagName.toLowerCase() || 'none';
});

/** Presses `key` until the focus is on `id` (at most `max` presses); returns the ids passed on the way. */
async function tabTo(page: Page, id: string, key = 'Tab', max = 40): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    const now = await focused(page);
    seen.push(now);
    if (now === id) return seen;
  }
  throw new Error(`${key} never reached #${id}; it went through ${seen.join(', ')}`);
}

/** The role, name and description Chromium computes for `selector` (what a screen reader is given). */
async function accessible(page: Page, selector: string): Promise<{ role: string; name: string; description: string }> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root } = await cdp.send('DOM.getDocument', { depth: 0 });
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
    const { nodes } = await cdp.send('Accessibility.getPartialAXTree', { nodeId, fetchRelatives: false });
    const node = nodes[0]!;
    return { role: String(node.role?.value ?? ''), name: String(node.name?.value ?? ''), description: String(node.description?.value ?? '') };
  } finally {
    await cdp.detach();
  }
}

/** The live region `selector` is announced through: its politeness, or 'none'. */
const liveRegion = (page: Page, selector: string) => page.evaluate((s) => {
  const region = document.querySelector(s)?.closest('[aria-live], [role="alert"], [role="status"], [role="log"]');
  if (!region) return 'none';
  return region.getAttribute('aria-live') ?? (region.getAttribute('role') === 'alert' ? 'assertive' : 'polite');
}, selector);

describe('accessibility beyond axe: keyboard, names, live regions, contrast, zoom', () => {
  let provisioned: ProvisionedPivCard;
  let sshd: SshServerPeer | undefined;
  let secondFactor: SshServerPeer | undefined;
  let stack: WebStack | undefined;

  beforeAll(async () => {
    provisioned = await provisionPivCard({ slots: [{ slot: 0x9a, algorithm: 'p-256' }] });
    const authorizedKeys = [sshP256Line(provisioned.slots.get(0x9a)!.spki)];
    sshd = await startSshd({ hostKeyTypes: ['ed25519'], hostCertificates: false, authorizedKeys });
    secondFactor = await startSshd({ hostKeyTypes: ['ed25519'], hostCertificates: false, authorizedKeys, config: { AuthenticationMethods: 'publickey,password' } });
    // No host key provisioned for secondFactor: the page asks about it.
    stack = await startWebStack({
      allow: [sshd, secondFactor].map((s) => `127.0.0.1:${s.port}`),
      config: {
        mode: 'personal', defaultHost: '127.0.0.1', defaultPort: sshd.port, defaultUser: sshd.user, trustAnchors: [provisioned.ca.pem], revocation: 'off',
        knownHosts: sshd.knownHosts().trim().split('\n'),
      },
    });
  }, 180_000);
  afterAll(async () => { await stack?.stop(); await secondFactor?.stop(); await sshd?.stop(); });

  async function pageWithReader(): Promise<{ page: Page; close(): Promise<void> }> {
    const reader = new VirtualReader(loadProfile('HID_Global_OMNIKEY_3x21_Smart_Card_Reader'));
    reader.insertCard(provisioned.card);
    const { context, page } = await stack!.newPage();
    await bridgeUsb(page, reader);
    await openApp(page, stack!.baseUrl);
    return { page, close: () => context.close() };
  }

  it('the status line and the card panel\'s message are polite live regions', async () => {
    const { page, close } = await pageWithReader();
    expect(await page.getAttribute('#status', 'role')).toBe('status');
    expect(await liveRegion(page, '#status-text')).toBe('polite');
    // "Reading the card…", "Card ready.", "Insert a card into the reader.", a failure: heard without looking.
    expect(await liveRegion(page, '#card-message')).toBe('polite');
    await close();
  }, 60_000);

  it('a status detail (a paste the browser refused) is in the live region, not only in the tooltip', async () => {
    const { context, page } = await stack!.newPage();
    await openApp(page, stack!.baseUrl);
    await page.click('#paste-button');
    // Headless Chromium refuses clipboard reads (no permission granted): the page says how to paste instead.
    await expect.poll(() => page.getAttribute('#status', 'title')).toBe('Paste with Ctrl+Shift+V: the browser denied clipboard access.');
    expect(await page.textContent('#status')).toContain('Paste with Ctrl+Shift+V: the browser denied clipboard access.');
    expect(await page.isVisible('#status-text')).toBe(true);
    await context.close();
  }, 60_000);

  it('keyboard only: Tab order, the card panel, the PIN dialog (wrong, then right), back in the terminal', async () => {
    const { page, close } = await pageWithReader();
    const order = await tabTo(page, 'connect-reader');
    expect(order).toEqual(['a11y-mode', 'theme-select', 'host', 'port', 'user', 'auth-method', 'connect-button', 'save-profile', 'connect-reader']);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getAttribute('#card-panel', 'data-state'), { timeout: 20_000 }).toBe('ready');
    expect(await page.textContent('#card-message')).toBe('Card ready.');
    // The rest of the page, then back (Disconnect is disabled, so skipped).
    expect(await tabTo(page, 'terminal')).toEqual(['import-known-hosts', 'export-known-hosts', 'search-input', 'search-next', 'copy-button', 'paste-button', 'clear-button', 'terminal']);
    await page.focus('#connect-reader');
    expect(await tabTo(page, 'connect-button', 'Shift+Tab')).toEqual(['save-profile', 'connect-button']);
    expect(await page.inputValue('#auth-method')).toBe('card');
    await page.keyboard.press('Enter');

    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    expect(await focused(page)).toBe('pin-input');
    const dialog = await accessible(page, '#pin-dialog');
    expect(dialog.role).toBe('dialog');
    expect(dialog.name).toBe('Enter your card PIN');
    // The card, and how many tries are left, are read out with the dialog.
    expect(dialog.description).toMatch(/needs its PIN.*3 attempts left before the card blocks\./s);
    await page.keyboard.type('654321');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('#pin-error')).toBe('Wrong PIN.');
    expect(await liveRegion(page, '#pin-error')).toBe('assertive');
    // The tries left changed: that is announced too, not only "Wrong PIN.".
    expect(await page.textContent('#pin-retries')).toMatch(/2 attempts left/);
    expect(await liveRegion(page, '#pin-retries')).not.toBe('none');
    expect(await focused(page)).toBe('pin-input');
    await page.keyboard.type('123456');
    await page.keyboard.press('Enter');
    await page.locator('#pin-dialog').waitFor({ state: 'hidden' });
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to /);
    await expect.poll(() => focused(page)).toBe('terminal');
    await waitForTerminal(page, /\$\s*$/, 30_000);
    await close();
  }, 120_000);

  it('host-key and server-question dialogs: names, descriptions, focus in and out, Escape', async () => {
    const { page, close } = await pageWithReader();
    await page.click('#connect-reader');
    await expect.poll(() => page.getAttribute('#card-panel', 'data-state'), { timeout: 20_000 }).toBe('ready');
    await page.fill('#port', String(secondFactor!.port));
    await page.focus('#port');
    await page.keyboard.press('Enter');
    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    await page.keyboard.type('123456');
    await page.keyboard.press('Enter');

    await page.locator('#host-key-dialog').waitFor({ state: 'visible', timeout: 30_000 });
    expect(await focused(page)).toBe('hk-refuse');
    const hostKey = await accessible(page, '#host-key-dialog');
    expect(hostKey.role).toBe('dialog');
    expect(hostKey.name).toBe('Verify the server’s identity');
    expect(hostKey.description).toContain(`[127.0.0.1]:${secondFactor!.port}`);
    await tabTo(page, 'hk-once');
    await page.keyboard.press('Enter');
    await page.locator('#host-key-dialog').waitFor({ state: 'hidden' });

    await page.locator('#prompt-dialog').waitFor({ state: 'visible', timeout: 30_000 });
    expect(await focused(page)).toBe('prompt-input-0');
    const question = await accessible(page, '#prompt-dialog');
    expect(question.role).toBe('dialog');
    expect(question.name).toBe('The server asks');
    // Whose question it is, and what the server says it wants (the field's label alone is "Password: ").
    expect(question.description).toContain('Never type your card PIN here.');
    expect(question.description).toContain('The server also needs your password.');
    expect((await accessible(page, '#prompt-input-0')).name).toBe('Password:');
    await page.keyboard.press('Escape');
    await page.locator('#prompt-dialog').waitFor({ state: 'hidden' });
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/cancelled/i);
    await expect.poll(() => focused(page)).toBe('terminal');
    await close();
  }, 120_000);

  it('the terminal: Tab goes to the shell; Ctrl+Shift+M makes Tab leave the terminal (and back), said and described', async () => {
    const { page, close } = await pageWithReader();
    await page.selectOption('#auth-method', 'password');
    await page.fill('#password', sshd!.password);
    await page.click('#connect-button');
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to /);
    await expect.poll(() => focused(page)).toBe('terminal');
    // Where the keyboard lands, the input says how Tab behaves here.
    const input = await accessible(page, '#terminal .xterm-helper-textarea');
    expect(input.description).toBe('Tab goes to the shell. Ctrl+Shift+M: Tab moves focus.');
    expect(await liveRegion(page, '#terminal-keys')).toBe('polite');
    expect(await page.isVisible('#terminal-keys')).toBe(true);

    // By default Tab is the shell's (completion): od shows the tab it received, and the focus stayed.
    await typeCommand(page, 'od -c');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Control+D');
    await waitForTerminal(page, /^0000000\s+\\t\s+\\n\s*$/m);
    expect(await focused(page)).toBe('terminal');

    await page.keyboard.press('Control+Shift+M');
    expect(await page.textContent('#terminal-keys')).toBe('Tab moves focus. Ctrl+Shift+M: Tab goes to the shell.');
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toBe('clear-button');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('terminal');
    // Disconnect, by keyboard alone.
    await tabTo(page, 'disconnect-button', 'Shift+Tab');
    await page.keyboard.press('Enter');
    await expect.poll(() => statusText(page), { timeout: 20_000 }).toMatch(/^Closed: You disconnected/);

    await page.focus('#terminal .xterm-helper-textarea');
    await page.keyboard.press('Control+Shift+M');
    expect(await page.textContent('#terminal-keys')).toBe('Tab goes to the shell. Ctrl+Shift+M: Tab moves focus.');
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toBe('terminal');
    await close();
  }, 120_000);

  it('placeholders keep a 4.5:1 contrast (axe does not check them)', async () => {
    const { context, page } = await stack!.newPage();
    await openApp(page, stack!.baseUrl);
    const ratios = await page.evaluate(() => {
      const luminance = (css: string) => {
        const [r, g, b] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => Number(v) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
      };
      return ['host', 'search-input'].map((id) => {
        const input = document.getElementById(id)!;
        const [fg, bg] = [luminance(getComputedStyle(input, '::placeholder').color), luminance(getComputedStyle(input).backgroundColor)];
        return `${id} ${((Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05)).toFixed(2)}`;
      });
    });
    for (const r of ratios) expect(Number(r.split(' ')[1]), r).toBeGreaterThanOrEqual(4.5);
    await context.close();
  }, 60_000);

  it('primary buttons keep a 4.5:1 contrast under the pointer', async () => {
    const { context, page } = await stack!.newPage();
    await openApp(page, stack!.baseUrl);
    await page.hover('#connect-button');
    const results = await new AxeBuilder({ page }).withRules(['color-contrast']).include('#connect-button').analyze();
    expect(results.violations.map((v) => v.nodes.map((n) => n.failureSummary).join('\n'))).toEqual([]);
    await context.close();
  }, 60_000);

  it('a narrow or zoomed window (640 CSS px: 1280 px at 200%) keeps the screen-reader switch, reachable by Tab', async () => {
    const context = await stack!.browser.newContext({ viewport: { width: 640, height: 760 } });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      await openApp(page, stack!.baseUrl);
      expect(await page.isVisible('#a11y-mode')).toBe(true);
      expect(await tabTo(page, 'a11y-mode', 'Tab', 1)).toEqual(['a11y-mode']);
      await page.keyboard.press('Space');
      await page.locator('#terminal .xterm-accessibility').waitFor({ state: 'attached' });
      // The top bar holds what it shows (nothing cut off past the window's edge).
      expect(await page.evaluate(() => document.querySelector('.topbar')!.scrollWidth <= window.innerWidth)).toBe(true);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('320 CSS px (1280 px at 400%, WCAG 1.4.10): no scrolling sideways, every control still shown', async () => {
    const context = await stack!.browser.newContext({ viewport: { width: 320, height: 640 } });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      await openApp(page, stack!.baseUrl);
      expect(await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth])).toEqual([320, 320]);
      for (const id of ['a11y-mode', 'theme-select', 'search-input', 'search-next', 'copy-button', 'paste-button', 'clear-button']) {
        const box = await page.locator(`#${id}`).boundingBox();
        expect(box && box.x >= 0 && box.x + box.width <= 320, id).toBe(true);
      }
    } finally {
      await context.close();
    }
  }, 60_000);
});
