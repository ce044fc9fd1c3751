// Card certificate revocation in the page, end to end: the site policy says `revocation: require`,
// the card certificate names a CRL distribution point or an OCSP responder on a local plain-HTTP
// server (a CA's, started here), and the page fetches them through the relay's /revocation
// endpoint (the page itself could not: mixed content, no CORS). Kiosk policy: identity/'s pre-sign
// gate decides. A good certificate signs in; a revoked one signs nothing and the user reads why.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OID } from '../../pki/index.ts';
import { provisionPivCard, type PivCard, type ProvisionedPivCard } from '../../sim/index.ts';
import { startSshd, type SshServerPeer } from '../peers/index.ts';
import { crl, issue, ocspResponse, type Issued } from '../pki/test-pki.ts';
import { screenshot, startWebStack, statusText, typeCommand, waitForTerminal, type WebStack } from './harness.ts';
import { openAppWithCard } from './usb-bridge.ts';
import { sshP256Line } from './ssh-lines.ts';

const DAY = 86_400_000;
const SLOT = 0x9a;
const GOOD_SERIAL = '51';
const REVOKED_SERIAL = '52';
const STALE_SERIAL = '53';

/** GENERAL AUTHENTICATE (INS 87): the card signing, SP 800-73-4 Part 2 §3.2.4. */
const signatures = (card: PivCard) => card.log.filter((e) => e.command[1] === 0x87).length;

describe('card certificate revocation through the relay (kiosk, revocation: require)', () => {
  let sshd: SshServerPeer;
  let stack: WebStack;
  let provisioned: ProvisionedPivCard;
  let ca: Issued;
  let pki: Server;
  let good: Issued;
  let revoked: Issued;
  let stale: Issued;
  const hits: string[] = [];

  beforeAll(async () => {
    provisioned = await provisionPivCard({ slots: [{ slot: SLOT, algorithm: 'p-256' }] });
    const spki = provisioned.slots.get(SLOT)!.spki;
    // The page validates at the real time: the test PKI is dated around now, not tests/pki's fixed NOW.
    const now = Date.now();
    const validity = { notBefore: new Date(now - DAY), notAfter: new Date(now + 30 * DAY) };
    ca = await issue('CN=Tessera Revocation Test CA', { ca: true, ...validity });
    pki = createServer((req, res) => { req.resume(); void serve(req.url ?? '', res); });
    await new Promise<void>((r) => pki.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(pki.address() as AddressInfo).port}`;
    const publicKey = await crypto.subtle.importKey('spki', new Uint8Array(spki), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
    const leaf = { issuer: ca, eku: [OID.kpClientAuth], keys: { publicKey, privateKey: undefined as never }, ...validity };
    good = await issue('CN=Good Card Holder', { ...leaf, serial: GOOD_SERIAL, crlUrl: `${base}/ca.crl` });
    revoked = await issue('CN=Revoked Card Holder', { ...leaf, serial: REVOKED_SERIAL, ocspUrl: `${base}/ocsp` });
    // A valid certificate, not revoked, but for another key than the slot holds (left over after a re-key).
    const other = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    stale = await issue('CN=Stale Card Holder', { ...leaf, keys: { publicKey: other.publicKey, privateKey: undefined as never }, serial: STALE_SERIAL, crlUrl: `${base}/ca.crl` });
    const crlDer = (await crl(ca, { thisUpdate: new Date(now - 3600_000), nextUpdate: new Date(now + DAY), revoked: [{ serial: REVOKED_SERIAL, date: new Date(now - DAY) }] })).der;
    const ocspDer = await ocspResponse(revoked, ca, { status: 'revoked', revokedAt: new Date(now - DAY), thisUpdate: new Date(now - 3600_000), nextUpdate: new Date(now + DAY) });
    async function serve(url: string, res: ServerResponse) {
      hits.push(url);
      if (url === '/ca.crl') res.writeHead(200, { 'Content-Type': 'application/pkix-crl' }).end(Buffer.from(crlDer));
      else if (url.startsWith('/ocsp')) res.writeHead(200, { 'Content-Type': 'application/ocsp-response' }).end(Buffer.from(ocspDer));
      else res.writeHead(404).end();
    }
    sshd = await startSshd({ hostKeyTypes: ['ed25519'], hostCertificates: false, authorizedKeys: [sshP256Line(spki)] });
    stack = await startWebStack({
      allow: [`127.0.0.1:${sshd.port}`],
      revocationAllow: [`${base}/`],
      config: {
        mode: 'kiosk', defaultHost: '127.0.0.1', defaultPort: sshd.port, defaultUser: sshd.user,
        knownHosts: sshd.knownHosts().trim().split('\n'), trustAnchors: [ca.pem], revocation: 'require',
      },
    });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
    await sshd?.stop();
    await new Promise((r) => pki?.close(r));
  });

  async function openWithCertificate(cert: Issued) {
    provisioned.card.setCertificate(SLOT, cert.der);
    return openAppWithCard(stack, provisioned.card);
  }

  it('a certificate the CRL shows good: the panel says valid and the card signs in', async () => {
    const { context, page } = await openWithCertificate(good);
    expect(await page.textContent('#card-keys')).toContain('Certificate valid');
    expect(hits).toContain('/ca.crl'); // fetched by the relay for the page
    await page.click('#connect-button');
    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    await page.fill('#pin-input', '123456');
    await page.click('#pin-ok');
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to tessera-test@127\.0\.0\.1/);
    await typeCommand(page, 'echo crl-checked-$((6*7))');
    await waitForTerminal(page, /^crl-checked-42\s*$/m);
    expect(sshd.log()).toMatch(/Accepted publickey for tessera-test .* ECDSA/);
    await context.close();
  }, 120_000);

  it('a certificate OCSP says is revoked: no PIN asked, nothing signed, the reason shown', async () => {
    const before = signatures(provisioned.card);
    const { context, page } = await openWithCertificate(revoked);
    const keys = await page.textContent('#card-keys');
    expect(keys).toMatch(/Revoked Card Holder/);
    expect(keys).toMatch(/was revoked on \d{4}-\d{2}-\d{2}/);
    expect(hits.some((u) => u.startsWith('/ocsp'))).toBe(true);
    await page.click('#connect-button');
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/refused, so nothing was signed.*was revoked on \d{4}-\d{2}-\d{2}/);
    await waitForTerminal(page, /nothing was signed/); // the whole sentence, which the status bar may cut short
    expect(await page.locator('#pin-dialog').isVisible()).toBe(false);
    expect(signatures(provisioned.card)).toBe(before);
    await screenshot(page, '13-card-revoked');
    await context.close();
  }, 120_000);

  it('a valid certificate for another key than the slot holds: refused before the PIN, nothing signed', async () => {
    const before = signatures(provisioned.card);
    const { context, page } = await openWithCertificate(stale);
    await page.click('#connect-button');
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/is for a different key than the one on the card; nothing was signed/);
    expect(await page.locator('#pin-dialog').isVisible()).toBe(false);
    expect(signatures(provisioned.card)).toBe(before);
    await context.close();
  }, 120_000);
});
