// The keyboard around the dialogs: each opens with the focus inside it, Escape closes it as a refusal
// (host key) or a cancel (PIN, nothing sent to the card), and the focus comes back to the terminal, not
// to the page's body. Debian's sshd through the relay; a simulated PIV card in the virtual reader.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { provisionPivCard, type ProvisionedPivCard } from '../../sim/index.ts';
import { openApp, startWebStack, statusText, type WebStack } from './harness.ts';
import { openAppWithCard } from './usb-bridge.ts';
import { startCardStack, type CardStack } from './card-stack.ts';

/** Where the keyboard is: the dialog control's id, 'terminal' for xterm.js's input, else the tag. */
const focused = (page: Page) => page.evaluate(() => {
  const a = document.activeElement;
  if (a?.classList.contains('xterm-helper-textarea')) return 'terminal';
  return a?.id || a?.tagName.toLowerCase() || 'none';
});

describe('dialogs and the keyboard', () => {
  let cards: CardStack | undefined;
  let open: WebStack | undefined;
  let provisioned: ProvisionedPivCard;

  beforeAll(async () => {
    provisioned = await provisionPivCard({ slots: [{ slot: 0x9a, algorithm: 'p-256' }] });
    cards = await startCardStack(provisioned);
    // The same sshd behind a site that provisions no host key: the page asks.
    open = await startWebStack({
      allow: [`127.0.0.1:${cards.sshd.port}`],
      config: { mode: 'personal', defaultHost: '127.0.0.1', defaultPort: cards.sshd.port, defaultUser: cards.sshd.user },
    });
  }, 180_000);
  afterAll(async () => { await open?.stop(); await cards?.stop(); });

  it('host-key dialog: focus on Refuse, Escape refuses, the keyboard is back in the terminal', async () => {
    const { context, page } = await open!.newPage();
    await openApp(page, open!.baseUrl);
    for (const close of ['Escape', 'click'] as const) {
      await page.selectOption('#auth-method', 'password');
      await page.fill('#password', cards!.sshd.password);
      await page.click('#connect-button');
      await page.locator('#host-key-dialog').waitFor({ state: 'visible', timeout: 30_000 });
      expect(await focused(page)).toBe('hk-refuse');
      if (close === 'Escape') await page.keyboard.press('Escape'); else await page.click('#hk-refuse');
      await page.locator('#host-key-dialog').waitFor({ state: 'hidden' });
      await expect.poll(() => statusText(page), { timeout: 20_000 }).toMatch(/refused the server's host key/);
      await expect.poll(() => focused(page)).toBe('terminal');
      expect(await page.evaluate(() => window.tessera!.app.knownHostsText())).toBe('\n');
    }
    await context.close();
  }, 120_000);

  it('PIN dialog: focus in the PIN field, Escape cancels without a VERIFY, the input is empty, the keyboard is back in the terminal', async () => {
    const verifies = () => provisioned.card.log.filter((e) => e.command[1] === 0x20 && e.command.length > 5).length;
    const { context, page } = await openAppWithCard(cards!.stack, provisioned.card);
    await page.selectOption('#auth-method', 'card');
    const before = verifies();
    await page.click('#connect-button');
    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    expect(await focused(page)).toBe('pin-input');
    await page.keyboard.type('1234');
    await page.keyboard.press('Escape');
    await page.locator('#pin-dialog').waitFor({ state: 'hidden' });
    await expect.poll(() => statusText(page), { timeout: 20_000 }).toMatch(/PIN entry was cancelled/);
    await expect.poll(() => focused(page)).toBe('terminal');
    expect(await page.inputValue('#pin-input')).toBe('');
    // Nor the card's name or retry count in the closed dialog.
    expect(await page.textContent('#pin-help')).toBe('');
    expect(await page.textContent('#pin-retries')).toBe('');
    expect(verifies()).toBe(before);
    await context.close();
  }, 120_000);
});
