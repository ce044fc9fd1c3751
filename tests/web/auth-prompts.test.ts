// The server's further sign-in questions, asked in the page's own dialog: a card login on servers that want a
// second factor after the card's key (sshd `AuthenticationMethods publickey,keyboard-interactive`, where PAM asks
// the password, and `publickey,password`), and a password login whose server also asks a one-time code in the
// same keyboard-interactive round (AsyncSSH, RFC 4256): the page answers the password prompt from the form and
// asks only the code. Before, the page answered only password-looking prompts, so none of these could sign in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { provisionPivCard, type ProvisionedPivCard } from '../../sim/index.ts';
import { startAsyncSsh, startSshd, type SshServerPeer } from '../peers/index.ts';
import { openApp, screenshot, statusText, terminalText, typeCommand, waitForTerminal, startWebStack, type WebStack } from './harness.ts';
import { sshP256Line } from './ssh-lines.ts';
import { openAppWithCard } from './usb-bridge.ts';

const OTP = '314159';

describe('the server\'s further sign-in questions', () => {
  let provisioned: ProvisionedPivCard;
  let cardThenPam: SshServerPeer | undefined;
  let cardThenPassword: SshServerPeer | undefined;
  let passwordAndCode: SshServerPeer | undefined;
  let stack: WebStack | undefined;

  beforeAll(async () => {
    provisioned = await provisionPivCard({ slots: [{ slot: 0x9a, algorithm: 'p-256' }] });
    const cardKey = sshP256Line(provisioned.slots.get(0x9a)!.spki);
    const base = { hostKeyTypes: ['ed25519'] as const, hostCertificates: false, authorizedKeys: [cardKey] };
    cardThenPam = await startSshd({ ...base, config: { AuthenticationMethods: 'publickey,keyboard-interactive' } });
    cardThenPassword = await startSshd({ ...base, config: { AuthenticationMethods: 'publickey,password' } });
    passwordAndCode = await startAsyncSsh({ hostKeyTypes: ['ed25519'], otp: OTP });
    const servers = [cardThenPam, cardThenPassword, passwordAndCode];
    stack = await startWebStack({
      allow: servers.map((s) => `127.0.0.1:${s.port}`),
      config: {
        mode: 'personal', defaultHost: '127.0.0.1', defaultUser: cardThenPam.user, trustAnchors: [provisioned.ca.pem], revocation: 'off',
        knownHosts: servers.flatMap((s) => s.knownHosts().trim().split('\n')),
      },
    });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
    for (const s of [cardThenPam, cardThenPassword, passwordAndCode]) await s?.stop();
  });

  async function signInWithCard(page: Page, server: SshServerPeer): Promise<void> {
    await page.fill('#port', String(server.port));
    await page.selectOption('#auth-method', 'card');
    await page.click('#connect-button');
    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    await page.fill('#pin-input', '123456');
    await page.click('#pin-ok');
    await page.locator('#prompt-dialog').waitFor({ state: 'visible', timeout: 30_000 });
    expect(await page.textContent('#prompt-note')).toContain('Never type your card PIN here.');
  }

  async function expectClosedAndEmpty(page: Page): Promise<void> {
    await page.locator('#prompt-dialog').waitFor({ state: 'hidden' });
    expect(await page.locator('#prompt-fields input').count()).toBe(0);
    expect(await page.textContent('#prompt-instruction')).toBe('');
  }

  it('a card, then the password PAM asks by keyboard-interactive', async () => {
    const { context, page } = await openAppWithCard(stack!, provisioned.card);
    await signInWithCard(page, cardThenPam!);
    expect(await page.textContent('#prompt-fields label')).toBe('Password: ');
    expect(await page.getAttribute('#prompt-input-0', 'type')).toBe('password');
    await page.fill('#prompt-input-0', cardThenPam!.password);
    await page.click('#prompt-ok');
    await expectClosedAndEmpty(page);
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to /);
    await typeCommand(page, 'echo two-factors-$((40+2))');
    await waitForTerminal(page, /^two-factors-42\s*$/m);
    expect(await terminalText(page)).toContain('The server accepted publickey.');
    expect(cardThenPam!.log()).toMatch(/Partial publickey for tessera-test .* ECDSA/);
    expect(cardThenPam!.log()).toMatch(/Accepted keyboard-interactive\/pam for tessera-test/);
    await context.close();
  }, 120_000);

  it('a card, then a password', async () => {
    const { context, page } = await openAppWithCard(stack!, provisioned.card);
    await signInWithCard(page, cardThenPassword!);
    expect(await page.textContent('#prompt-instruction')).toBe('The server also needs your password.');
    await page.fill('#prompt-input-0', cardThenPassword!.password);
    await page.click('#prompt-ok');
    await expectClosedAndEmpty(page);
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to /);
    expect(cardThenPassword!.log()).toMatch(/Accepted password for tessera-test/);
    await context.close();
  }, 120_000);

  it('a password and a one-time code in one round: only the code is asked; Cancel ends the sign-in', async () => {
    const { context, page } = await stack!.newPage();
    await openApp(page, stack!.baseUrl);
    await page.fill('#port', String(passwordAndCode!.port));
    await page.selectOption('#auth-method', 'password');
    await page.fill('#password', passwordAndCode!.password);
    await page.click('#connect-button');
    await page.locator('#prompt-dialog').waitFor({ state: 'visible', timeout: 30_000 });
    await page.click('#prompt-cancel');
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/cancelled/i);
    await expectClosedAndEmpty(page);

    await page.fill('#password', passwordAndCode!.password);
    await page.click('#connect-button');
    await page.locator('#prompt-dialog').waitFor({ state: 'visible', timeout: 30_000 });
    expect(await page.textContent('#prompt-instruction')).toBe('Two factors: your password and the code from your token.');
    expect(await page.locator('#prompt-fields input').count()).toBe(1);
    expect(await page.textContent('#prompt-fields label')).toBe('Verification code: ');
    expect(await page.getAttribute('#prompt-input-0', 'type')).toBe('text');
    await page.fill('#prompt-input-0', OTP);
    await screenshot(page, '14-server-question');
    await page.click('#prompt-ok');
    await expectClosedAndEmpty(page);
    // AsyncSSH's test server runs exec requests only: its shell says so, which it does only once signed in.
    await waitForTerminal(page, /tessera asyncssh test server: exec only/, 30_000);
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Closed: The shell exited with status 0/);
    await context.close();
  }, 120_000);
  it('a card pulled out does not end a password session\'s question', async () => {
    const { context, page, reader } = await openAppWithCard(stack!, provisioned.card);
    await page.fill('#port', String(passwordAndCode!.port));
    await page.selectOption('#auth-method', 'password');
    await page.fill('#password', passwordAndCode!.password);
    await page.click('#connect-button');
    await page.locator('#prompt-dialog').waitFor({ state: 'visible', timeout: 30_000 });
    reader.removeCard();
    await expect.poll(() => page.getAttribute('#card-panel', 'data-state'), { timeout: 20_000 }).toBe('no-card');
    expect(await page.isVisible('#prompt-dialog')).toBe(true);
    await page.fill('#prompt-input-0', OTP);
    await page.click('#prompt-ok');
    await waitForTerminal(page, /tessera asyncssh test server: exec only/, 30_000);
    await context.close();
  }, 120_000);
});
