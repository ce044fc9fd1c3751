// The card path end to end: a simulated PIV card in sim/'s virtual CCID reader, reached by the
// page's real card stack through a WebUSB shim; the page validates the card certificate (pki/),
// asks for the PIN (a wrong one first, then the right one), signs in to Debian's sshd with the
// card key through the relay, and ends the session when the card is removed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { issueCardCertificate, loadProfile, provisionPivCard, VirtualReader, type ProvisionedPivCard } from '../../sim/index.ts';
import type { SshServerPeer } from '../peers/index.ts';
import { openApp, screenshot, statusText, typeCommand, waitForTerminal, type WebStack } from './harness.ts';
import { bridgeUsb, openAppWithCard } from './usb-bridge.ts';
import { startCardStack, type CardStack } from './card-stack.ts';

describe('signing in with a smart card in the browser', () => {
  let sshd: SshServerPeer;
  let stack: WebStack;
  let cards: CardStack | undefined;
  let provisioned: ProvisionedPivCard;

  beforeAll(async () => {
    provisioned = await provisionPivCard({ slots: [{ slot: 0x9a, algorithm: 'p-256' }] });
    ({ sshd, stack } = cards = await startCardStack(provisioned));
  }, 180_000);
  afterAll(async () => { await cards?.stop(); });

  it('shows the card and its validated certificate, takes the PIN, signs in, and ends the session on removal', async () => {
    const { context, page, reader } = await openAppWithCard(stack, provisioned.card);
    expect(await page.textContent('#card-reader')).toMatch(/OMNIKEY/i);
    expect(await page.textContent('#card-type')).toMatch(/PIV|YubiKey/);
    const keys = await page.textContent('#card-keys');
    expect(keys).toContain('Subject: ');
    expect(keys).toContain('Tessera Test User');
    expect(keys).toContain('Certificate valid');
    await screenshot(page, '05-card-ready');

    await page.selectOption('#auth-method', 'card');
    await page.click('#connect-button');
    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    expect(await page.textContent('#pin-retries')).toMatch(/3 attempts left/);
    await page.fill('#pin-input', '654321');
    await page.click('#pin-ok');
    await expect.poll(() => page.textContent('#pin-error')).toBe('Wrong PIN.');
    expect(await page.textContent('#pin-retries')).toMatch(/2 attempts left/);
    await screenshot(page, '06-pin-wrong');
    await page.fill('#pin-input', '123456');
    await page.click('#pin-ok');

    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to tessera-test@127\.0\.0\.1/);
    await typeCommand(page, 'echo signed-in-with-card-$((40+2))');
    await waitForTerminal(page, /^signed-in-with-card-42\s*$/m);
    expect(sshd.log()).toMatch(/Accepted publickey for tessera-test .* ECDSA/);
    await screenshot(page, '07-card-session');

    reader.removeCard();
    await expect.poll(() => statusText(page), { timeout: 15_000 }).toMatch(/^Closed: The card was removed\. The session that used it was ended\./);
    expect(await page.getAttribute('#card-panel', 'data-state')).toBe('no-card');
    await screenshot(page, '08-card-removed');
    await context.close();
  }, 120_000);

  it('a card pulled out while its PIN is asked ends the connection: the dialog closes, and nothing signs in', async () => {
    const { context, page, reader } = await openAppWithCard(stack, provisioned.card);
    await page.selectOption('#auth-method', 'card');
    await page.click('#connect-button');
    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    reader.removeCard();
    await page.locator('#pin-dialog').waitFor({ state: 'hidden', timeout: 15_000 });
    await expect.poll(() => statusText(page), { timeout: 15_000 }).toMatch(/^Closed: The card was removed\. The session that used it was ended\./);
    // The dial that was waiting for the PIN does not go on (it would fail or, worse, sign in later).
    await new Promise((r) => setTimeout(r, 1000));
    expect(await statusText(page)).toMatch(/^Closed: The card was removed/);
    expect(await page.isEnabled('#connect-button')).toBe(true);
    await context.close();
  }, 60_000);

  it('a PIN check whose answer the reader lost: sent once, never again by itself; the dialog says so and the next attempt signs in', async () => {
    // A TPDU-level reader: the page runs T=1 itself (ccid/t1.ts), and the card's answers can be lost on the link.
    const reader = new VirtualReader(loadProfile('Gemalto_IDBridge_CT30'));
    const sim = reader.insertCard(provisioned.card);
    const { context, page } = await stack.newPage();
    await bridgeUsb(page, reader);
    await openApp(page, stack.baseUrl);
    await page.click('#connect-reader');
    await expect.poll(() => page.getAttribute('#card-panel', 'data-state'), { timeout: 20_000 }).toBe('ready');
    await page.selectOption('#auth-method', 'card');
    await page.click('#connect-button');
    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    // VERIFY with a PIN (INS 20 with data; without data it only asks for the retries left).
    const verifies = () => provisioned.card.log.filter((e) => e.command[1] === 0x20 && e.command.length > 5).length;
    const [sent, left] = [verifies(), provisioned.card.pinLeft];
    // The card runs the VERIFY; its answer and the three retransmissions arrive corrupted (ISO 7816-3 §11.6.3).
    sim.t1Faults.push('corrupt', 'corrupt', 'corrupt', 'corrupt');
    await page.fill('#pin-input', '654321');
    await page.click('#pin-ok');
    await expect.poll(() => page.textContent('#pin-error'), { timeout: 15_000 }).toMatch(/lost contact with the card.*did not send it again.*Try again\./);
    expect(await page.isVisible('#pin-dialog')).toBe(true);
    expect(verifies() - sent).toBe(1);
    expect(provisioned.card.pinLeft).toBe(left - 1);
    await page.fill('#pin-input', '123456');
    await page.click('#pin-ok');
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to tessera-test@127\.0\.0\.1/);
    expect(verifies() - sent).toBe(2);
    await context.close();
  }, 120_000);

  it('a slot the page cannot use (an X25519 key in 9D) is named with why; the card\'s good key stays usable', async () => {
    const card = await provisionPivCard({ profile: 'generic', slots: [{ slot: 0x9a, algorithm: 'p-256' }], ca: provisioned.ca });
    const x25519 = generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'der' });
    card.card.setCertificate(0x9d, await issueCardCertificate(card.ca, x25519, 'CN=Tessera Test User, OU=Slot 9D'));
    const { context, page } = await openAppWithCard(stack, card.card);
    const keys = await page.textContent('#card-keys');
    expect(keys).toMatch(/PIV Authentication.*Certificate valid/s);
    expect(keys).toMatch(/Key Management\s*Not usable: .*unsupported algorithm/);
    expect(await page.textContent('#card-message')).toMatch(/Card ready/);
    await context.close();
  }, 60_000);

  it('tells the user which deployment they need when Chrome blocks the smart-card class', async () => {
    const reader = new VirtualReader(loadProfile('HID_Global_OMNIKEY_3x21_Smart_Card_Reader'));
    const { context, page } = await stack.newPage();
    await bridgeUsb(page, reader, { protectedClass: true });
    await openApp(page, stack.baseUrl);
    await page.click('#connect-reader');
    await page.locator('#usb-help').waitFor({ state: 'visible' });
    expect(await page.textContent('#usb-help')).toMatch(/Isolated Web App.*usb-unrestricted.*Chrome 128/);
    expect(await page.getAttribute('#card-panel', 'data-state')).toBe('error');
    await screenshot(page, '09-protected-class');
    await context.close();
  }, 60_000);
});
