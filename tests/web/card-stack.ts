// The stack for the card tests: Debian's sshd that trusts the card's P-256 key in slot 9A, and the relay
// and page in personal mode with the card CA as trust anchor (revocation off; revocation.test.ts has its own).
import type { ProvisionedPivCard } from '../../sim/index.ts';
import { startSshd, type SshServerPeer } from '../peers/index.ts';
import { startWebStack, type WebStack } from './harness.ts';
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
