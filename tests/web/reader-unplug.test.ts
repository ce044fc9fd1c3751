// The reader unplugged (navigator.usb "disconnect", WebUSB §6.1) while its card is in use: in a
// signed-in session and while the PIN is asked. Chrome may leave a gone device's close() unsettled;
// the shim does so here, so the page must end the session without waiting for it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionPivCard, type ProvisionedPivCard } from '../../sim/index.ts';
import { statusText, type WebStack } from './harness.ts';
import { openAppWithCard, unplugReader } from './usb-bridge.ts';
import { signInWithCard, startCardStack, type CardStack } from './card-stack.ts';

describe('the card reader unplugged', () => {
  let stack: WebStack;
  let cards: CardStack | undefined;
  let provisioned: ProvisionedPivCard;

  beforeAll(async () => {
    provisioned = await provisionPivCard({ slots: [{ slot: 0x9a, algorithm: 'p-256' }] });
    ({ stack } = cards = await startCardStack(provisioned));
  }, 180_000);
  afterAll(async () => { await cards?.stop(); });

  it('ends the session signed in with its card, even when the gone device never finishes closing', async () => {
    const { context, page } = await openAppWithCard(stack, provisioned.card);
    await signInWithCard(page, 'before-unplug');

    await unplugReader(page, { closeHangs: true });
    await expect.poll(() => statusText(page), { timeout: 15_000 }).toMatch(/^Closed: The card reader was disconnected\. The session that used it was ended\./);
    expect(await page.getAttribute('#card-panel', 'data-state')).toBe('no-reader');
    expect(await page.textContent('#card-message')).toBe('The reader was disconnected.');
    expect(await page.textContent('#card-keys')).toBe('');
    expect(await page.isEnabled('#connect-button')).toBe(true);
    await context.close();
  }, 120_000);

  it('while the PIN is asked: the dialog closes, and nothing signs in', async () => {
    const { context, page } = await openAppWithCard(stack, provisioned.card);
    await page.selectOption('#auth-method', 'card');
    await page.click('#connect-button');
    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    await unplugReader(page, { closeHangs: false });
    await page.locator('#pin-dialog').waitFor({ state: 'hidden', timeout: 15_000 });
    await expect.poll(() => statusText(page), { timeout: 15_000 }).toMatch(/^Closed: The card reader was disconnected\./);
    expect(await page.inputValue('#pin-input')).toBe('');
    expect(await page.getAttribute('#card-panel', 'data-state')).toBe('no-reader');
    expect(await page.isEnabled('#connect-button')).toBe(true);
    await context.close();
  }, 60_000);
});
