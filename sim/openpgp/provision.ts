// Provisioning a simulated OpenPGP card: an authentication key (and signature key) with
// a cardholder certificate from the test PKI.
import { createHash } from 'node:crypto';
import { SimKey, createTestCa, issueCardCertificate, type SimAlgorithm, type TestCa } from '../piv/index.ts';
import { OpenPgpCard, type OpenPgpCardOptions } from './openpgp-card.ts';

export interface ProvisionedOpenPgpCard {
  readonly card: OpenPgpCard;
  readonly ca: TestCa;
  readonly authKey: SimKey;
  readonly spki: Buffer;
  readonly certificate?: Uint8Array;
}

export async function provisionOpenPgpCard(options: OpenPgpCardOptions & {
  algorithm?: SimAlgorithm;
  certificate?: boolean;
  ca?: TestCa;
  /** This authentication key instead of a new one (its algorithm wins over `algorithm`). */
  authKey?: SimKey;
} = {}): Promise<ProvisionedOpenPgpCard> {
  const card = new OpenPgpCard(options);
  const ca = options.ca ?? await createTestCa();
  const authKey = options.authKey ?? SimKey.generate(options.algorithm ?? 'p-256');
  card.setKey('aut', authKey);
  card.setKey('sig', SimKey.generate('p-256'));
  const spki = authKey.spki();
  let certificate: Uint8Array | undefined;
  if (options.certificate ?? true) {
    certificate = await issueCardCertificate(ca, spki, 'CN=Tessera Test User, OU=OpenPGP AUT');
    card.setCertificate('aut', certificate);
  }
  return { card, ca, authKey, spki, ...(certificate ? { certificate } : {}) };
}

/** RFC 8410 §7: the PKCS#8 prefix of an Ed25519 private key, followed by its 32-byte seed. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The authentication key of the demo OpenPGP card (`tessera ssh --card sim-openpgp:PROFILE`, `tessera card list
 * --sim-openpgp`): a fixed Ed25519 key whose seed is public (SHA-256 of a fixed phrase), so that a test or a demo
 * can authorize it before the simulated card exists. Anyone can sign with it: never authorize it on a real server.
 */
export function demoOpenPgpAuthKey(): SimKey {
  const seed = createHash('sha256').update('tessera sim-openpgp demo authentication key').digest();
  return SimKey.fromPkcs8('ed25519', Buffer.concat([ED25519_PKCS8_PREFIX, seed]));
}

/** The demo OpenPGP card: demoOpenPgpAuthKey() as AUT, with a cardholder certificate (DO 7F21) from a new test CA. */
export function provisionDemoOpenPgpCard(): Promise<ProvisionedOpenPgpCard> {
  return provisionOpenPgpCard({ authKey: demoOpenPgpAuthKey(), certificate: true });
}
