// axe-core (through @axe-core/playwright) in each state a user goes through, not only the idle page: the card
// panel with keys, the PIN dialog (and after a wrong PIN), the host-key dialog (unknown host, changed key), the
// server's question, the touch prompt, the protected-class banner, a connected terminal, kiosk mode and screen-reader
// mode. No serious or critical violation in any. Debian's Chromium, the real relay and sshd, a simulated PIV card in
// the virtual reader through the WebUSB shim.
//
// Excluded: xterm.js's helper textarea (.xterm-helper-textarea), the terminal's keyboard sink. xterm.js gives it an
// aria-label ("Terminal input") only once the terminal is focused and moves it under the cursor; what a
// screen-reader user reads is xterm.js's own live region, checked here with screen-reader mode on.
import AxeBuilder from '@axe-core/playwright';
import { generateKeyPairSync } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProfile, provisionPivCard, VirtualReader, type ProvisionedPivCard } from '../../sim/index.ts';
import { startSshd, type SshServerPeer } from '../peers/index.ts';
import { startRelay, type RelayHandle } from '../../relay/index.ts';
import { openApp, startWebStack, statusText, waitForTerminal, type WebStack } from './harness.ts';
import { sshP256Line } from './ssh-lines.ts';
import { bridgeUsb, openAppWithCard } from './usb-bridge.ts';

/** The serious and critical violations, one line each (rule, help, where). */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).exclude('.xterm-helper-textarea').analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

async function expectClean(page: Page, state: string): Promise<void> {
  expect(await seriousViolations(page), state).toEqual([]);
}

/** "ssh-ed25519 AAAA..." for a fresh key no server has (a changed host key on record). */
function strangerEd25519(): string {
  const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  const str = (b: Buffer) => { const l = Buffer.alloc(4); l.writeUInt32BE(b.length); return Buffer.concat([l, b]); };
  return `ssh-ed25519 ${Buffer.concat([str(Buffer.from('ssh-ed25519')), str(Buffer.from(jwk.x!, 'base64url'))]).toString('base64')}`;
}

describe('accessibility in each state of the page (axe-core)', () => {
  let provisioned: ProvisionedPivCard;
  let touchCard: ProvisionedPivCard;
  let sshd: SshServerPeer | undefined;
  let secondFactor: SshServerPeer | undefined;
  let known: WebStack | undefined;
  let open: WebStack | undefined;
  let kiosk: RelayHandle | undefined;

  beforeAll(async () => {
    provisioned = await provisionPivCard({ slots: [{ slot: 0x9a, algorithm: 'p-256' }] });
    touchCard = await provisionPivCard({ slots: [{ slot: 0x9a, algorithm: 'p-256', touchPolicy: 'always' }], ca: provisioned.ca });
    const authorizedKeys = [provisioned, touchCard].map((p) => sshP256Line(p.slots.get(0x9a)!.spki));
    sshd = await startSshd({ hostKeyTypes: ['ed25519'], hostCertificates: false, authorizedKeys });
    secondFactor = await startSshd({ hostKeyTypes: ['ed25519'], hostCertificates: false, authorizedKeys, config: { AuthenticationMethods: 'publickey,password' } });
    const allow = [sshd, secondFactor].map((s) => `127.0.0.1:${s.port}`);
    const site = { mode: 'personal', defaultHost: '127.0.0.1', defaultPort: sshd.port, defaultUser: sshd.user, trustAnchors: [provisioned.ca.pem], revocation: 'off' };
    // Host keys provisioned by the site: no host-key question.
    known = await startWebStack({ allow, config: { ...site, knownHosts: [sshd, secondFactor].flatMap((s) => s.knownHosts().trim().split('\n')) } });
    // None provisioned: the page asks.
    open = await startWebStack({ allow, config: site });
    kiosk = await startRelay({
      config: {
        listen: { host: '127.0.0.1', port: 0 }, targets: { allow, allowPrivate: ['127.0.0.0/8'] }, static: { dir: known.staticDir },
        site: { mode: 'kiosk', idleTimeoutSeconds: 0, knownHosts: sshd.knownHosts().trim().split('\n') },
      },
      log: () => undefined,
    });
  }, 180_000);
  afterAll(async () => {
    await kiosk?.close({ drainMs: 0 });
    await open?.stop();
    await known?.stop();
    await secondFactor?.stop();
    await sshd?.stop();
  });

  it('card panel ready, PIN dialog, after a wrong PIN, connected terminal, screen-reader mode on', async () => {
    const { context, page } = await openAppWithCard(known!, provisioned.card);
    await page.locator('#card-keys li').first().waitFor();
    await expectClean(page, 'card panel ready with keys');

    await page.selectOption('#auth-method', 'card');
    await page.click('#connect-button');
    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    await expectClean(page, 'PIN dialog');
    await page.fill('#pin-input', '654321');
    await page.click('#pin-ok');
    await expect.poll(() => page.textContent('#pin-error')).toBe('Wrong PIN.');
    await expectClean(page, 'PIN dialog after a wrong PIN');
    await page.fill('#pin-input', '123456');
    await page.click('#pin-ok');
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to /);
    await waitForTerminal(page, /\$\s*$/, 30_000);
    await expectClean(page, 'connected terminal');

    await page.check('#a11y-mode');
    await page.locator('#terminal .xterm-accessibility').waitFor({ state: 'attached' });
    await expectClean(page, 'connected terminal, screen-reader mode on');
    await page.click('#disconnect-button');
    await expect.poll(() => statusText(page), { timeout: 20_000 }).toMatch(/^Closed/);
    await context.close();
  }, 150_000);

  it('host-key dialog: unknown host, then a changed key', async () => {
    const { context, page } = await open!.newPage();
    await openApp(page, open!.baseUrl);
    await page.selectOption('#auth-method', 'password');
    await page.fill('#password', sshd!.password);
    await page.click('#connect-button');
    await page.locator('#host-key-dialog[data-kind="unknown"]').waitFor({ state: 'visible', timeout: 30_000 });
    await expectClean(page, 'host-key dialog, unknown host');
    await page.click('#hk-refuse');
    await expect.poll(() => statusText(page), { timeout: 20_000 }).toMatch(/refused/);

    expect(await page.evaluate((line) => window.tessera!.app.importKnownHosts(line), `[127.0.0.1]:${sshd!.port} ${strangerEd25519()}`)).toBe(1);
    await page.fill('#password', sshd!.password);
    await page.click('#connect-button');
    await page.locator('#host-key-dialog[data-kind="changed"]').waitFor({ state: 'visible', timeout: 30_000 });
    await expectClean(page, 'host-key dialog, changed key');
    await page.click('#hk-refuse');
    await expect.poll(() => statusText(page), { timeout: 20_000 }).toMatch(/host key changed/);
    await context.close();
  }, 120_000);

  it('the server\'s question (#prompt-dialog)', async () => {
    const { context, page } = await openAppWithCard(known!, provisioned.card);
    await page.fill('#port', String(secondFactor!.port));
    await page.selectOption('#auth-method', 'card');
    await page.click('#connect-button');
    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    await page.fill('#pin-input', '123456');
    await page.click('#pin-ok');
    await page.locator('#prompt-dialog').waitFor({ state: 'visible', timeout: 30_000 });
    await expectClean(page, 'server question dialog');
    await page.click('#prompt-cancel');
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/cancelled/i);
    await context.close();
  }, 120_000);

  it('the touch prompt', async () => {
    const card = touchCard.card;
    let press!: () => void;
    const pressed = new Promise<void>((resolve) => { press = resolve; });
    card.touch = async () => { card.touches++; await pressed; };
    const { context, page } = await openAppWithCard(known!, card);
    await page.selectOption('#auth-method', 'card');
    await page.click('#connect-button');
    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    await page.fill('#pin-input', '123456');
    await page.click('#pin-ok');
    await page.locator('#touch-prompt').waitFor({ state: 'visible', timeout: 30_000 });
    await expectClean(page, 'touch prompt');
    press();
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to /);
    await context.close();
  }, 120_000);

  it('the protected-class banner', async () => {
    const reader = new VirtualReader(loadProfile('HID_Global_OMNIKEY_3x21_Smart_Card_Reader'));
    const { context, page } = await known!.newPage();
    await bridgeUsb(page, reader, { protectedClass: true });
    await openApp(page, known!.baseUrl);
    await page.click('#connect-reader');
    await page.locator('#usb-help').waitFor({ state: 'visible' });
    await expectClean(page, 'error banner (protected USB class)');
    await context.close();
  }, 60_000);

  it('kiosk mode idle, and screen-reader mode on before any session', async () => {
    const context = await known!.browser.newContext({ viewport: { width: 1280, height: 760 } });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      await openApp(page, kiosk!.url.replace(/^ws:/, 'http:'));
      expect(await page.isVisible('#mode-badge')).toBe(true);
      await expectClean(page, 'kiosk mode idle');
      await page.check('#a11y-mode');
      await page.locator('#terminal .xterm-accessibility').waitFor({ state: 'attached' });
      await expectClean(page, 'kiosk mode, screen-reader mode on');
    } finally {
      await context.close();
    }
  }, 60_000);
});
