// The host-key question belongs to its connection: when the connection ends while the question is open
// (the card that signs in is pulled out), the dialog closes and nothing is remembered; the next Connect
// asks again. A simulated PIV card in the virtual reader, Debian's sshd through the relay, and a site
// that provisions no host key (so the page asks).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionPivCard, type ProvisionedPivCard } from '../../sim/index.ts';
import { startSshd, type SshServerPeer } from '../peers/index.ts';
import { startWebStack, statusText, type WebStack } from './harness.ts';
import { sshP256Line } from './ssh-lines.ts';
import { openAppWithCard } from './usb-bridge.ts';

describe('the host-key dialog over a connection’s life', () => {
  let sshd: SshServerPeer;
  let stack: WebStack;
  let provisioned: ProvisionedPivCard;

  beforeAll(async () => {
    provisioned = await provisionPivCard({ slots: [{ slot: 0x9a, algorithm: 'p-256' }] });
    sshd = await startSshd({ hostKeyTypes: ['ed25519'], hostCertificates: false, authorizedKeys: [sshP256Line(provisioned.slots.get(0x9a)!.spki)] });
    stack = await startWebStack({
      allow: [`127.0.0.1:${sshd.port}`],
      config: { mode: 'personal', defaultHost: '127.0.0.1', defaultPort: sshd.port, defaultUser: sshd.user, trustAnchors: [provisioned.ca.pem], revocation: 'off' },
    });
  }, 180_000);
  afterAll(async () => { await stack?.stop(); await sshd?.stop(); });

  it('the card pulled out while the host key is asked: the dialog closes with the session, nothing is remembered', async () => {
    const { context, page, reader } = await openAppWithCard(stack, provisioned.card);
    await page.selectOption('#auth-method', 'card');
    await page.click('#connect-button');
    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    await page.fill('#pin-input', '123456');
    await page.click('#pin-ok');
    await page.locator('#host-key-dialog').waitFor({ state: 'visible', timeout: 30_000 });

    reader.removeCard();
    await expect.poll(() => statusText(page), { timeout: 15_000 }).toMatch(/^Closed: The card was removed\. The session that used it was ended\./);
    await page.locator('#host-key-dialog').waitFor({ state: 'hidden', timeout: 15_000 });
    // The closed dialog keeps nothing of the connection (a kiosk's next user would find it in the page).
    expect(await page.textContent('#host-key-dialog')).not.toMatch(/127\.0\.0\.1|SHA256:/);
    expect(await page.evaluate(() => window.tessera!.app.knownHostsText())).toBe('\n');
    expect(await page.isEnabled('#connect-button')).toBe(true);
    expect(sshd.log()).not.toMatch(/Accepted publickey/);
    await context.close();
  }, 120_000);
});
