// Another card inserted into the same reader after the first was pulled out: the page must show and use the new
// card only (its certificate, its key, its PIN counter), never what it read from the first. The second card is
// provisioned with keys of its own (freshKeys), which the test sshd does not trust.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionPivCard, type ProvisionedPivCard } from '../../sim/index.ts';
import type { SshServerPeer } from '../peers/index.ts';
import { statusText, type WebStack } from './harness.ts';
import { sshP256Line } from './ssh-lines.ts';
import { openAppWithCard } from './usb-bridge.ts';
import { signInWithCard, startCardStack, type CardStack } from './card-stack.ts';

/** The key's SHA256 fingerprint as sshd logs it (slot 9A). */
function fingerprint(card: ProvisionedPivCard): string {
  const blob = Buffer.from(sshP256Line(card.slots.get(0x9a)!.spki).split(' ')[1]!, 'base64');
  return createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

describe('a different card inserted into the reader', () => {
  let sshd: SshServerPeer;
  let stack: WebStack;
  let cards: CardStack | undefined;
  let first: ProvisionedPivCard;
  let second: ProvisionedPivCard;

  beforeAll(async () => {
    first = await provisionPivCard({ slots: [{ slot: 0x9a, algorithm: 'p-256' }] });
    second = await provisionPivCard({ slots: [{ slot: 0x9a, algorithm: 'p-256' }], ca: first.ca, freshKeys: true, subject: 'CN=Second Card Holder' });
    ({ sshd, stack } = cards = await startCardStack(first));
  }, 180_000);
  afterAll(async () => { await cards?.stop(); });

  it('is read anew and signs with its own key, after a PIN asked for it', async () => {
    const { context, page, reader } = await openAppWithCard(stack, first.card);
    expect(await page.textContent('#card-keys')).toContain('Tessera Test User');
    await signInWithCard(page, 'first-card');
    expect(sshd.log()).toContain(`ECDSA SHA256:${fingerprint(first)}`);

    reader.removeCard();
    await expect.poll(() => statusText(page), { timeout: 15_000 }).toMatch(/^Closed: The card was removed\./);
    reader.insertCard(second.card);
    await expect.poll(() => page.getAttribute('#card-panel', 'data-state'), { timeout: 20_000 }).toBe('ready');
    const keys = await page.textContent('#card-keys');
    expect(keys).toContain('Second Card Holder');
    expect(keys).not.toContain('Tessera Test User');

    // The second card's PIN is asked (its own counter), and its key, which sshd does not know, is what is offered.
    const accepted = (sshd.log().match(/Accepted publickey/g) ?? []).length;
    await page.click('#connect-button');
    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    // The status line says what the page waits for, not the last session's end.
    expect(await statusText(page)).toMatch(/^Waiting for the PIN of YubiKey 5\.7\.1 \(PIV\)…/);
    expect(await page.textContent('#pin-retries')).toMatch(/3 attempts left/);
    await page.fill('#pin-input', '123456');
    await page.click('#pin-ok');
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^The server refused authentication as "tessera-test" \(tried: publickey;/);
    expect((sshd.log().match(/Accepted publickey/g) ?? []).length).toBe(accepted);
    const failed = sshd.log().split('\n').filter((l) => l.startsWith('Failed publickey for tessera-test '));
    expect(failed.at(-1)).toContain(`ECDSA SHA256:${fingerprint(second)}`);
    await context.close();
  }, 120_000);
});
