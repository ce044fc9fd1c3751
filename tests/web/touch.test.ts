// The "Touch your key" prompt, end to end: a simulated YubiKey whose PIV key has touch policy
// "always" (sim/piv waits for the touch inside GENERAL AUTHENTICATE), signing in to sshd through
// the page. The prompt shows while the card waits for the touch, goes away after, and the login completes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionPivCard, type ProvisionedPivCard } from '../../sim/index.ts';
import type { SshServerPeer } from '../peers/index.ts';
import { screenshot, statusText, typeCommand, waitForTerminal, type WebStack } from './harness.ts';
import { openAppWithCard } from './usb-bridge.ts';
import { startCardStack, type CardStack } from './card-stack.ts';

describe('the touch prompt', () => {
  let sshd: SshServerPeer;
  let stack: WebStack;
  let cards: CardStack | undefined;
  let provisioned: ProvisionedPivCard;

  beforeAll(async () => {
    provisioned = await provisionPivCard({ slots: [{ slot: 0x9a, algorithm: 'p-256', touchPolicy: 'always' }] });
    ({ sshd, stack } = cards = await startCardStack(provisioned));
  }, 180_000);
  afterAll(async () => { await cards?.stop(); });

  it('shows "Touch your key" while the card waits for the touch, hides it after, and signs in', async () => {
    const card = provisioned.card;
    // The touch comes once the test has seen the prompt, not after a fixed delay that the checks below could
    // outlast on a slow machine (the card would sign and the session connect while they still ran).
    let press!: () => void;
    const pressed = new Promise<void>((resolve) => { press = resolve; });
    card.touch = async () => { card.touches++; await pressed; };
    const { context, page } = await openAppWithCard(stack, card);
    expect(await page.textContent('#card-keys')).toContain('Requires a touch to sign.'); // GET METADATA's touch policy
    const prompt = page.locator('#touch-prompt');
    expect(await prompt.isVisible()).toBe(false);

    await page.selectOption('#auth-method', 'card');
    await page.click('#connect-button');
    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    await page.fill('#pin-input', '123456');
    await page.click('#pin-ok');

    // The card is waiting for the touch: the prompt is up, the server has not seen a signature yet.
    await prompt.waitFor({ state: 'visible', timeout: 30_000 });
    expect(await prompt.textContent()).toMatch(/Touch your key/i);
    expect(card.touches).toBe(1);
    expect(sshd.log()).not.toMatch(/Accepted publickey/);
    expect(await statusText(page)).not.toMatch(/^Connected/);
    await screenshot(page, '12-touch-prompt');

    // The touch happens: the prompt goes, the login completes.
    press();
    await prompt.waitFor({ state: 'hidden', timeout: 20_000 });
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to tessera-test@127\.0\.0\.1/);
    expect(sshd.log()).toMatch(/Accepted publickey for tessera-test .* ECDSA/);
    expect(card.touches).toBe(1);
    await typeCommand(page, 'echo touched-$((40+2))');
    await waitForTerminal(page, /^touched-42\s*$/m);
    await context.close();
  }, 120_000);
});
