// The stack for the card tests: Debian's sshd that trusts the card's P-256 key in slot 9A, and the relay
// and page in personal mode with the card CA as trust anchor (revocation off; revocation.test.ts has its own).
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { ProvisionedPivCard } from '../../sim/index.ts';
import { startSshd, type SshServerPeer } from '../peers/index.ts';
import { startWebStack, statusText, typeCommand, waitForTerminal, type WebStack } from './harness.ts';
import { sshP256Line } from './ssh-lines.ts';

export interface CardStack { readonly sshd: SshServerPeer; readonly stack: WebStack; stop(): Promise<void> }

export async function startCardStack(provisioned: ProvisionedPivCard): Promise<CardStack> {
  const sshd = await startSshd({ hostKeyTypes: ['ed25519'], hostCertificates: false, authorizedKeys: [sshP256Line(provisioned.slots.get(0x9a)!.spki)] });
  try {
    const stack = await startWebStack({
      allow: [`127.0.0.1:${sshd.port}`],
      config: {
        mode: 'personal', defaultHost: '127.0.0.1', defaultPort: sshd.port, defaultUser: sshd.user,
        knownHosts: sshd.knownHosts().trim().split('\n'), trustAnchors: [provisioned.ca.pem], revocation: 'off',
      },
    });
    return { sshd, stack, stop: async () => { await stack.stop(); await sshd.stop(); } };
  } catch (err) {
    await sshd.stop();
    throw err;
  }
}

/** Signs in with the card in the page (the right PIN at the first prompt) and proves the shell answers `tag`. */
export async function signInWithCard(page: Page, tag: string): Promise<void> {
  await page.selectOption('#auth-method', 'card');
  await page.click('#connect-button');
  await page.locator('#pin-dialog').waitFor({ state: 'visible' });
  await page.fill('#pin-input', '123456');
  await page.click('#pin-ok');
  await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to /);
  await typeCommand(page, `echo ${tag}-$((40+2))`);
  await waitForTerminal(page, new RegExp(`^${tag}-42\\s*$`, 'm'));
}
