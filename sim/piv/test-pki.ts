// A small test PKI for the simulated cards: an ECDSA P-256 CA issuing card certificates
// (RFC 5280 profile: KeyUsage digitalSignature, EKU clientAuth and id-kp-secureShellClient).
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
/** id-kp-clientAuth and id-kp-secureShellClient (RFC 6187 §2). */
const EKU = ['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.21'];

export interface TestCa {
  readonly name: string;
  readonly certificate: Uint8Array;
  readonly privateKey: CryptoKey;
  readonly pem: string;
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex').replace(/^[89a-f]/, '1');
}

export async function createTestCa(name = 'CN=Tessera Test Card CA'): Promise<TestCa> {
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name,
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 5 * 365 * 86_400_000),
    keys,
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { name, certificate: new Uint8Array(cert.rawData), privateKey: keys.privateKey, pem: cert.toString('pem') };
}

/** Issues a card certificate for a DER SubjectPublicKeyInfo. */
export async function issueCardCertificate(ca: TestCa, spki: Uint8Array, subject: string): Promise<Uint8Array> {
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.name,
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 365 * 86_400_000),
    publicKey: spki as Uint8Array<ArrayBuffer>,
    signingKey: ca.privateKey,
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(EKU, false),
    ],
  });
  return new Uint8Array(cert.rawData);
}
