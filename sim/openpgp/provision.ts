// Provisioning a simulated OpenPGP card: an authentication key (and signature key) with
// a cardholder certificate from the test PKI.
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
} = {}): Promise<ProvisionedOpenPgpCard> {
  const card = new OpenPgpCard(options);
  const ca = options.ca ?? await createTestCa();
  const authKey = SimKey.generate(options.algorithm ?? 'p-256');
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
