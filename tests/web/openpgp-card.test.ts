// An OpenPGP card (no PIV application: SELECT of the PIV AID answers 6A 82) in the browser, end to end: the
// simulated OpenPGP card 3.4 (sim/openpgp) in sim/'s virtual CCID reader, reached by the page's real card stack
// through the WebUSB shim; the page falls back to the OpenPGP application and offers its authentication key
// (key reference AUT, what gpg-agent offers to ssh) to Debian's sshd 9.2, which has that key in authorized_keys.
// Personal policy: the raw key signs after PW1 (a wrong PIN first, the retries shown). Kiosk policy: no X.509
// certificate, no signature, the reason in the panel; the card's APDU log proves nothing was asked to sign.
import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type RelayHandle } from '../../relay/index.ts';
import {
  createTestCa, issueCardCertificate, loadProfile, provisionOpenPgpCard, SimKey, TestApplet, VirtualReader,
  type OpenPgpCard, type ProvisionedOpenPgpCard, type TestCa,
} from '../../sim/index.ts';
import { startSshd, type SshServerPeer } from '../peers/index.ts';
import { openApp, startWebStack, statusText, typeCommand, waitForTerminal, type WebStack } from './harness.ts';
import { sshP256Line } from './ssh-lines.ts';
import { bridgeUsb } from './usb-bridge.ts';

const PASSPHRASE = 'correct horse battery staple';

/** OpenSSH's own fingerprint of an authorized_keys line (ssh-keygen -lf -), e.g. "SHA256:abc...". */
function sshKeygenFingerprint(line: string): string {
  const out = execFileSync('/usr/bin/ssh-keygen', ['-lf', '-'], { input: `${line}\n`, encoding: 'utf8' });
  const fp = /(SHA256:\S+)/.exec(out)?.[1];
  if (!fp) throw new Error(`ssh-keygen -lf printed no fingerprint: ${out}`);
  return fp;
}

/** "ssh-ed25519 AAAA..." for an Ed25519 SubjectPublicKeyInfo (RFC 8709 §4), with node:crypto. */
function ed25519Line(spki: Uint8Array): string {
  const x = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({ format: 'jwk' }).x!;
  const str = (b: Buffer) => { const l = Buffer.alloc(4); l.writeUInt32BE(b.length); return Buffer.concat([l, b]); };
  return `ssh-ed25519 ${Buffer.concat([str(Buffer.from('ssh-ed25519')), str(Buffer.from(x, 'base64url'))]).toString('base64')}`;
}

/** sshd's line for a login with the key of fingerprint `fp` (its debug log names keys it was only asked about, too). */
function acceptedLine(sshd: SshServerPeer, type: 'ECDSA' | 'ED25519', fp: string): RegExp {
  return new RegExp(`Accepted publickey for ${sshd.user} from 127\\.0\\.0\\.1 port \\d+ ssh2: ${type} ${fp.replace(/[+/]/g, '\\$&')}`);
}

/** The commands that reached the card, by instruction: VERIFY with a PIN (20, data), INTERNAL AUTHENTICATE (88), PSO (2A). */
function signingCommands(card: OpenPgpCard): { verifies: number; internalAuthenticates: number; pso: number } {
  const ins = (i: number) => card.log.filter((e) => e.command[1] === i);
  return {
    verifies: ins(0x20).filter((e) => e.command.length > 5).length,
    internalAuthenticates: ins(0x88).length,
    pso: ins(0x2a).length,
  };
}

describe('an OpenPGP card (no PIV application) in the browser', () => {
  let ca: TestCa;
  let plain: ProvisionedOpenPgpCard;
  let certified: ProvisionedOpenPgpCard;
  let ed25519Card: ProvisionedOpenPgpCard;
  let touchCard: ProvisionedOpenPgpCard;
  let passphraseCard: ProvisionedOpenPgpCard;
  let resetCard: ProvisionedOpenPgpCard;
  let sshd: SshServerPeer;
  let stack: WebStack | undefined;
  let kiosk: RelayHandle | undefined;

  beforeAll(async () => {
    ca = await createTestCa();
    // As most OpenPGP cards are: an authentication key and no certificate.
    plain = await provisionOpenPgpCard({ algorithm: 'p-256', certificate: false, ca });
    // With a cardholder certificate (DO 7F21) for its authentication key, from the site's CA.
    certified = await provisionOpenPgpCard({ algorithm: 'p-256', certificate: true, ca, serial: 0x00a1b2c3 });
    ed25519Card = await provisionOpenPgpCard({ algorithm: 'ed25519', certificate: false, ca, wrongPinSw: '6982', emptyVerifySw: '6a80' });
    // A YubiKey's OpenPGP applet with touch required for AUT (ykman openpgp keys set-touch aut on): UIF-AUT (D8) 01.
    touchCard = await provisionOpenPgpCard({ algorithm: 'p-256', certificate: false, ca, yubikey: [5, 7, 1], uif: { aut: 0x01 } });
    // PW1 may be up to 127 bytes (DO C4 byte 2): a passphrase, not a PIV-style PIN.
    passphraseCard = await provisionOpenPgpCard({ algorithm: 'p-256', certificate: false, ca, pw1: PASSPHRASE });
    resetCard = await provisionOpenPgpCard({ algorithm: 'p-256', certificate: false, ca });
    sshd = await startSshd({
      version: '9.2', hostKeyTypes: ['ed25519'], hostCertificates: false,
      authorizedKeys: [sshP256Line(plain.spki), sshP256Line(certified.spki), ed25519Line(ed25519Card.spki), sshP256Line(touchCard.spki), sshP256Line(passphraseCard.spki), sshP256Line(resetCard.spki)],
    });
    const allow = [`127.0.0.1:${sshd.port}`];
    const site = {
      defaultHost: '127.0.0.1', defaultPort: sshd.port, defaultUser: sshd.user,
      knownHosts: sshd.knownHosts().trim().split('\n'), trustAnchors: [ca.pem], revocation: 'off',
    };
    stack = await startWebStack({ allow, config: { mode: 'personal', ...site } });
    kiosk = await startRelay({
      config: {
        listen: { host: '127.0.0.1', port: 0 }, targets: { allow, allowPrivate: ['127.0.0.0/8'] }, static: { dir: stack.staticDir },
        site: { mode: 'kiosk', idleTimeoutSeconds: 0, ...site },
      },
      log: () => undefined,
    });
  }, 180_000);
  afterAll(async () => {
    await kiosk?.close({ drainMs: 0 });
    await stack?.stop();
    await sshd?.stop();
  });

  /** A new page of `url` with `card` alone in a virtual OMNIKEY reader, the reader connected and the card read. */
  async function openWithCard(url: string, card: OpenPgpCard) {
    const reader = new VirtualReader(loadProfile('HID_Global_OMNIKEY_3x21_Smart_Card_Reader'));
    reader.insertCard(card);
    const { context, page } = await stack!.newPage();
    await bridgeUsb(page, reader);
    await openApp(page, url);
    await page.click('#connect-reader');
    await expect.poll(() => page.getAttribute('#card-panel', 'data-state'), { timeout: 20_000 }).toBe('ready');
    return { context, page, reader };
  }

  it('personal: lists the authentication key with its SSH fingerprint, a wrong PIN then the right one, signs in to sshd', async () => {
    const card = plain.card;
    const { context, page, reader } = await openWithCard(stack!.baseUrl, card);
    // The PIV SELECT was refused (6A 82), then the OpenPGP application selected.
    expect(card.log[0]!.command.subarray(1, 5)).toEqual(Uint8Array.of(0xa4, 0x04, 0x00, 0x0b));
    expect(card.log[0]!.response).toEqual(Uint8Array.of(0x6a, 0x82));
    expect(await page.textContent('#card-type')).toBe('OpenPGP card 3.4 (test card, serial 00C0FFEE)');
    const keys = await page.textContent('#card-keys');
    expect(keys).toContain('OpenPGP Authentication · p-256');
    expect(keys).toContain(sshKeygenFingerprint(sshP256Line(plain.spki)));
    expect(keys).toContain('No certificate on the card for this key.');
    expect(await page.textContent('#card-message')).toMatch(/Card ready/);

    await page.selectOption('#auth-method', 'card');
    await page.click('#connect-button');
    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    // PW1's retry counter, as the card keeps it (§7.2.2 / DO C4).
    expect(await page.textContent('#pin-retries')).toMatch(/3 attempts left/);
    expect(signingCommands(card)).toEqual({ verifies: 0, internalAuthenticates: 0, pso: 0 });
    await page.fill('#pin-input', '654321');
    await page.click('#pin-ok');
    await expect.poll(() => page.textContent('#pin-error'), { timeout: 15_000 }).toBe('Wrong PIN.');
    expect(await page.textContent('#pin-retries')).toMatch(/2 attempts left/);
    expect(card.pw1Left).toBe(2);
    // One VERIFY for one entry, never sent again by itself.
    expect(signingCommands(card).verifies).toBe(1);
    await page.fill('#pin-input', '123456');
    await page.click('#pin-ok');

    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to tessera-test@127\.0\.0\.1/);
    await typeCommand(page, 'echo signed-in-with-openpgp-$((40+2))');
    await waitForTerminal(page, /^signed-in-with-openpgp-42\s*$/m);
    expect(sshd.log()).toMatch(acceptedLine(sshd, 'ECDSA', sshKeygenFingerprint(sshP256Line(plain.spki))));
    // The authentication key signed (INTERNAL AUTHENTICATE, §7.2.13); the signature key (PSO:CDS) never.
    const sent = signingCommands(card);
    expect(sent.verifies).toBe(2);
    expect(sent.internalAuthenticates).toBeGreaterThanOrEqual(1);
    expect(sent.pso).toBe(0);
    expect(card.pw1Left).toBe(3);
    expect(card.faults).toEqual([]);
    // Pulling the card out ends the session that used it, as with a PIV card.
    reader.removeCard();
    await expect.poll(() => statusText(page), { timeout: 15_000 }).toMatch(/^Closed: The card was removed\. The session that used it was ended\./);
    await context.close();
  }, 120_000);

  it('personal: a card whose VERIFY carries no counter (YubiKey 5: empty VERIFY 6A 80; gnuk: wrong PIN 69 82) shows PW1\'s tries from DO C4; an Ed25519 key signs in', async () => {
    const card = ed25519Card.card;
    const { context, page } = await openWithCard(stack!.baseUrl, card);
    const keys = await page.textContent('#card-keys');
    expect(keys).toContain('OpenPGP Authentication · ed25519');
    expect(keys).toContain(sshKeygenFingerprint(ed25519Line(ed25519Card.spki)));
    await page.selectOption('#auth-method', 'card');
    await page.click('#connect-button');
    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    expect(await page.textContent('#pin-retries')).toMatch(/3 attempts left/);
    await page.fill('#pin-input', '654321');
    await page.click('#pin-ok');
    await expect.poll(() => page.textContent('#pin-error'), { timeout: 15_000 }).toBe('Wrong PIN.');
    expect(await page.textContent('#pin-retries')).toMatch(/2 attempts left/);
    // The counters were read with GET DATA C4 (00 CA 00 C4), the only place this card says them.
    expect(card.log.some((e) => e.command[1] === 0xca && e.command[2] === 0x00 && e.command[3] === 0xc4)).toBe(true);
    await page.fill('#pin-input', '123456');
    await page.click('#pin-ok');
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to tessera-test@127\.0\.0\.1/);
    await typeCommand(page, 'echo ed25519-openpgp-$((40+2))');
    await waitForTerminal(page, /^ed25519-openpgp-42\s*$/m);
    expect(sshd.log()).toMatch(acceptedLine(sshd, 'ED25519', sshKeygenFingerprint(ed25519Line(ed25519Card.spki))));
    expect(signingCommands(card).verifies).toBe(2);
    await context.close();
  }, 120_000);

  it('personal: an authentication key that needs a touch (UIF-AUT, DO D8) shows "Touch your key" while the card waits, then signs in', async () => {
    const card = touchCard.card;
    // The touch comes once the test has seen the prompt (not after a delay the checks could outlast).
    let press!: () => void;
    const pressed = new Promise<void>((resolve) => { press = resolve; });
    card.touch = async () => { card.touches++; await pressed; };
    const { context, page } = await openWithCard(stack!.baseUrl, card);
    expect(await page.textContent('#card-type')).toBe('YubiKey 5.7.1 (OpenPGP 3.4, serial 00C0FFEE)');
    expect(await page.textContent('#card-keys')).toContain('Requires a touch to sign.');
    const prompt = page.locator('#touch-prompt');
    await page.selectOption('#auth-method', 'card');
    await page.click('#connect-button');
    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    await page.fill('#pin-input', '123456');
    await page.click('#pin-ok');
    await prompt.waitFor({ state: 'visible', timeout: 30_000 });
    expect(await prompt.textContent()).toMatch(/Touch your key/i);
    expect(card.touches).toBe(1);
    expect(sshd.log()).not.toMatch(acceptedLine(sshd, 'ECDSA', sshKeygenFingerprint(sshP256Line(touchCard.spki))));
    press();
    await prompt.waitFor({ state: 'hidden', timeout: 20_000 });
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to tessera-test@127\.0\.0\.1/);
    expect(sshd.log()).toMatch(acceptedLine(sshd, 'ECDSA', sshKeygenFingerprint(sshP256Line(touchCard.spki))));
    expect(card.touches).toBe(1);
    await context.close();
  }, 120_000);

  it('personal: an OpenPGP PIN longer than a PIV one (a passphrase, typed key by key) is taken in full and signs in', async () => {
    const card = passphraseCard.card;
    const { context, page } = await openWithCard(stack!.baseUrl, card);
    await page.selectOption('#auth-method', 'card');
    await page.click('#connect-button');
    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    expect(await page.getAttribute('#pin-input', 'maxlength')).toBe('127');
    // Five characters are too few for any card: said before the card is asked.
    await page.locator('#pin-input').pressSequentially('12345');
    await page.click('#pin-ok');
    await expect.poll(() => page.textContent('#pin-error')).toBe('An OpenPGP PIN has 6 to 127 characters.');
    expect(signingCommands(card).verifies).toBe(0);
    await page.fill('#pin-input', '');
    await page.locator('#pin-input').pressSequentially(PASSPHRASE);
    expect(await page.inputValue('#pin-input')).toBe(PASSPHRASE);
    await page.click('#pin-ok');
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to tessera-test@127\.0\.0\.1/);
    expect(signingCommands(card).verifies).toBe(1);
    expect(card.pw1Left).toBe(3);
    await context.close();
  }, 120_000);

  it('a reader that stops taking the VERIFY is reset (the card powered off): the page says so, connects the card again, and the next sign-in works', async () => {
    const card = resetCard.card;
    const reader = new VirtualReader(loadProfile('HID_Global_OMNIKEY_3x21_Smart_Card_Reader'));
    reader.insertCard(card);
    // The reader never takes the bulk-OUT transfer carrying the first VERIFY with a PIN (00 20 00 82 06 ...):
    // ccid/ times the write out, its ABORT cannot complete, and it resets the device (CardResetError, CARD_RESET).
    const verify = [0x00, 0x20, 0x00, 0x82, 0x06];
    const carriesVerify = (d: Uint8Array) => d.some((_, i) => verify.every((b, j) => d[i + j] === b));
    let held = 0;
    const transferOut = reader.transferOut.bind(reader);
    reader.transferOut = async (endpoint, data) => {
      if (held === 0 && carriesVerify(data)) { held++; return new Promise(() => undefined); }
      return transferOut(endpoint, data);
    };
    const { context, page } = await stack!.newPage();
    await bridgeUsb(page, reader);
    await openApp(page, stack!.baseUrl);
    await page.click('#connect-reader');
    await expect.poll(() => page.getAttribute('#card-panel', 'data-state'), { timeout: 20_000 }).toBe('ready');
    const selects = () => card.log.filter((e) => e.command[1] === 0xa4).length;
    const selectsBefore = selects();
    await page.selectOption('#auth-method', 'card');
    await page.click('#connect-button');
    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    await page.fill('#pin-input', '123456');
    await page.click('#pin-ok');
    await expect.poll(() => statusText(page), { timeout: 60_000 }).toMatch(/was reset, which powered the card off\. The card is being connected again: try once more/);
    expect(held).toBe(1);
    // The card was read again (a new SELECT after a new power-on); the lost VERIFY never reached it.
    await expect.poll(() => page.getAttribute('#card-panel', 'data-state'), { timeout: 20_000 }).toBe('ready');
    expect(selects()).toBeGreaterThan(selectsBefore);
    expect(signingCommands(card).verifies).toBe(0);
    expect(card.pw1Left).toBe(3);
    await page.click('#connect-button');
    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    expect(await page.textContent('#pin-retries')).toMatch(/3 attempts left/);
    await page.fill('#pin-input', '123456');
    await page.click('#pin-ok');
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to tessera-test@127\.0\.0\.1/);
    expect(signingCommands(card).verifies).toBe(1);
    await context.close();
  }, 180_000);

  it('a card lost while the panel reads it (a reader reset during GET DATA 6E): the panel says what to do instead of the driver sentence, and Connect reader reads it again', async () => {
    const card = (await provisionOpenPgpCard({ algorithm: 'p-256', certificate: false, ca })).card;
    const reader = new VirtualReader(loadProfile('HID_Global_OMNIKEY_3x21_Smart_Card_Reader'));
    reader.insertCard(card);
    // The reader never takes the first GET DATA 6E (00 CA 00 6E): ccid/ resets it while the panel reads the card.
    const getData6e = [0x00, 0xca, 0x00, 0x6e];
    const carries = (d: Uint8Array) => d.some((_, i) => getData6e.every((b, j) => d[i + j] === b));
    let held = 0;
    const transferOut = reader.transferOut.bind(reader);
    reader.transferOut = async (endpoint, data) => {
      if (held === 0 && carries(data)) { held++; return new Promise(() => undefined); }
      return transferOut(endpoint, data);
    };
    const { context, page } = await stack!.newPage();
    await bridgeUsb(page, reader);
    await openApp(page, stack!.baseUrl);
    await page.click('#connect-reader');
    await expect.poll(() => page.getAttribute('#card-panel', 'data-state'), { timeout: 60_000 }).toBe('error');
    expect(await page.textContent('#card-message')).toBe('The reader lost the card while reading it. Take the card out and put it back, or press Connect reader.');
    expect(held).toBe(1);
    await page.click('#connect-reader');
    await expect.poll(() => page.getAttribute('#card-panel', 'data-state'), { timeout: 20_000 }).toBe('ready');
    expect(await page.textContent('#card-keys')).toContain('OpenPGP Authentication · p-256');
    await context.close();
  }, 180_000);

  it('a card with neither a PIV nor an OpenPGP application is named as such in the panel', async () => {
    const reader = new VirtualReader(loadProfile('HID_Global_OMNIKEY_3x21_Smart_Card_Reader'));
    const applet = new TestApplet();
    reader.insertCard(applet);
    const { context, page } = await stack!.newPage();
    await bridgeUsb(page, reader);
    await openApp(page, stack!.baseUrl);
    await page.click('#connect-reader');
    await expect.poll(() => page.getAttribute('#card-panel', 'data-state'), { timeout: 20_000 }).toBe('error');
    expect(await page.textContent('#card-message')).toBe('This card has neither a PIV nor an OpenPGP application; Tessera signs in with PIV cards and tokens and with OpenPGP cards.');
    // Read once: the reader's first "inserted" notice and the panel's own presence check are one insertion.
    expect(applet.log.filter((apdu) => apdu[1] === 0xa4 && apdu[5] === 0xa0).length).toBe(1);
    await context.close();
  }, 60_000);

  it('personal: a blocked PW1 is said, and no PIN is asked or sent', async () => {
    const blocked = await provisionOpenPgpCard({ algorithm: 'p-256', certificate: false, ca });
    blocked.card.pw1Left = 0;
    const { context, page } = await openWithCard(stack!.baseUrl, blocked.card);
    await page.selectOption('#auth-method', 'card');
    await page.click('#connect-button');
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/The card’s OpenPGP PIN is blocked\. Ask your administrator to unblock it with the Reset Code or the Admin PIN\./);
    expect(await page.isVisible('#pin-dialog')).toBe(false);
    expect(signingCommands(blocked.card)).toEqual({ verifies: 0, internalAuthenticates: 0, pso: 0 });
    await context.close();
  }, 120_000);

  it('kiosk: a key without an X.509 certificate is refused with the reason in the panel; the card is never asked to sign', async () => {
    const fresh = await provisionOpenPgpCard({ algorithm: 'p-256', certificate: false, ca });
    const card = fresh.card;
    const { context, page } = await openWithCard(kiosk!.url.replace(/^ws:/, 'http:'), card);
    const keys = await page.textContent('#card-keys');
    expect(keys).toContain('OpenPGP Authentication · p-256');
    expect(keys).toContain('Will not sign here: this site requires a valid X.509 certificate for the key, and the card holds none for it.');
    expect(await page.textContent('#card-message')).toMatch(/policy lets none of its keys sign/);

    await page.selectOption('#auth-method', 'card');
    await page.click('#connect-button');
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/"OpenPGP Authentication" has no certificate, so it cannot be checked before signing/);
    expect(await page.isVisible('#pin-dialog')).toBe(false);
    expect(signingCommands(card)).toEqual({ verifies: 0, internalAuthenticates: 0, pso: 0 });
    expect(sshd.log()).not.toContain(sshKeygenFingerprint(sshP256Line(fresh.spki)));
    await context.close();
  }, 120_000);

  it('kiosk: a cardholder certificate (DO 7F21) for the authentication key is validated like a PIV one and the key signs; one for another key is refused', async () => {
    const { context, page } = await openWithCard(kiosk!.url.replace(/^ws:/, 'http:'), certified.card);
    expect(await page.textContent('#card-type')).toBe('OpenPGP card 3.4 (test card, serial 00A1B2C3)');
    const keys = await page.textContent('#card-keys');
    expect(keys).toContain('OU=OpenPGP AUT');
    expect(keys).toContain('Certificate valid');
    await page.selectOption('#auth-method', 'card');
    await page.click('#connect-button');
    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    await page.fill('#pin-input', '123456');
    await page.click('#pin-ok');
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to tessera-test@127\.0\.0\.1/);
    await typeCommand(page, 'echo kiosk-openpgp-$((40+2))');
    await waitForTerminal(page, /^kiosk-openpgp-42\s*$/m);
    await context.close();

    // A certificate left over from an earlier key: valid chain, but for a key the card does not hold.
    const stale = await provisionOpenPgpCard({ algorithm: 'p-256', certificate: false, ca });
    stale.card.setCertificate('aut', await issueCardCertificate(ca, SimKey.generate('p-256').spki(), 'CN=Tessera Test User, OU=Earlier key'));
    const second = await openWithCard(kiosk!.url.replace(/^ws:/, 'http:'), stale.card);
    expect(await second.page.textContent('#card-keys')).toContain('Certificate invalid: the certificate is for a different key than the one on the card');
    await second.page.selectOption('#auth-method', 'card');
    await second.page.click('#connect-button');
    await expect.poll(() => statusText(second.page), { timeout: 30_000 }).toMatch(/is for a different key than the one on the card; nothing was signed/);
    expect(signingCommands(stale.card)).toEqual({ verifies: 0, internalAuthenticates: 0, pso: 0 });
    await second.context.close();
  }, 180_000);
});
