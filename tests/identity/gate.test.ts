// The pre-sign gate against a real sshd login: the card certificate must validate (RFC 5280 path, validity,
// CARD_POLICY EKU, CRL or OCSP revocation fetched from a local HTTP server through the injectable fetch) and
// certify the card's key, or NO signing APDU (GENERAL AUTHENTICATE) reaches the simulated card.
// Certificates, CRLs and OCSP responses come from tests/pki/test-pki.ts (@peculiar/x509, @peculiar/asn1-ocsp).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTcp } from '../../cli/net-stream.ts';
import { cardAuthMethods, GateError, openCardSession, type GatePolicy } from '../../identity/index.ts';
import { OID, type FetchLike } from '../../pki/index.ts';
import { connect } from '../../ssh-proto/index.ts';
import { startSshd, type SshServerPeer } from '../peers/index.ts';
import { crl, DAY_MS, issue, NOW, ocspResponse, type CertOptions, type Issued } from '../pki/test-pki.ts';
import { execCollect } from '../ssh/client-support.ts';
import { pinnedHostKeys } from '../ssh/support.ts';
import { authorizedKeyLine, cardStack, pinDialog, signingApdus, type CardStack } from './stack.ts';

const SLOT = 0x9e; // P-256, card authentication (PIN policy never): only the gate stands between login and signature.
let stack: CardStack;
let server: SshServerPeer;
let ca: Issued;
let otherCa: Issued;
let http: Server;
let base: string;
const served = new Map<string, Uint8Array>();
const fetched: string[] = [];

/** The page's fetch (through the relay there); here straight to the local revocation server. */
const fetchLike: FetchLike = async (url, init) => {
  fetched.push(url);
  const r = await fetch(url, { method: init?.method ?? 'GET', ...(init?.headers ? { headers: init.headers } : {}), ...(init?.body ? { body: init.body } : {}) });
  return { ok: r.ok, status: r.status, arrayBuffer: () => r.arrayBuffer() };
};

beforeAll(async () => {
  stack = await cardStack();
  ca = await issue('CN=Identity Gate Card CA', { ca: true });
  otherCa = await issue('CN=Some Other CA', { ca: true });
  http = createServer((req, res) => {
    const body = served.get(req.url ?? '');
    req.resume();
    if (!body) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': req.url?.startsWith('/ocsp') ? 'application/ocsp-response' : 'application/pkix-crl' }).end(Buffer.from(body));
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const key = (await stack.token.readKey(SLOT))!;
  const session = await openCardSession(stack.token, key, { gate: policy(), askPin: pinDialog().askPin });
  server = await startSshd({ version: '9.2', authorizedKeys: [authorizedKeyLine((await session.plainSigner()).publicKey)] });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await stack?.close();
  await new Promise((r) => http?.close(r));
});

function policy(over: Partial<GatePolicy> = {}): GatePolicy {
  return { mode: 'kiosk', anchors: [ca.der], revocation: { mode: 'off' }, time: () => NOW, ...over };
}

/** Puts a certificate for the card's own key (or `keyOf`'s) into the slot, signed by `issuer`. */
async function installCertificate(o: CertOptions & { issuer?: Issued } = {}, spki?: Uint8Array): Promise<Issued> {
  const slot = stack.provisioned.slots.get(SLOT)!;
  const publicKey = await crypto.subtle.importKey('spki', new Uint8Array(spki ?? slot.spki), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
  const cert = await issue('CN=Card Holder, OU=Slot 9E', {
    eku: [OID.kpClientAuth, OID.kpSecureShellClient], issuer: ca, ...o, keys: { publicKey, privateKey: undefined as never },
  });
  stack.provisioned.card.setCertificate(SLOT, cert.der, false);
  return cert;
}

async function login(gate: GatePolicy) {
  const key = (await stack.token.readKey(SLOT))!;
  const session = await openCardSession(stack.token, key, { gate, askPin: pinDialog().askPin });
  const before = signingApdus(stack.provisioned.card);
  const stream = await connectTcp(server.host, server.port, { timeoutMs: 5000 });
  try {
    const client = await connect(stream, { username: server.user, auth: { methods: await cardAuthMethods(session, { order: ['publickey'] }) }, verifyHostKey: pinnedHostKeys(server), handshakeTimeoutMs: 20_000 });
    const out = await execCollect(client, 'echo gate-open');
    await client.close().catch(() => undefined);
    return { ok: out.stdout.toString(), session, signed: signingApdus(stack.provisioned.card) - before };
  } catch (err) {
    return { err, session, signed: signingApdus(stack.provisioned.card) - before };
  } finally {
    stream.destroy();
  }
}

/** The error the login failed with, which must be (or wrap) the gate's refusal. */
function gateError(err: unknown): GateError {
  for (let e = err; e; e = (e as { cause?: unknown }).cause) if (e instanceof GateError) return e;
  throw new Error(`expected a GateError, got ${String(err)}`);
}

describe('pre-sign gate, kiosk policy, against sshd 9.2', () => {
  it('a valid certificate, CRL and OCSP both fetched and good: the card signs and the login succeeds', { timeout: 30_000 }, async () => {
    const cert = await installCertificate({ crlUrl: `${base}/crl/good.crl`, serial: '7001' });
    served.set('/crl/good.crl', (await crl(ca)).der);
    const r = await login(policy({ revocation: { mode: 'require', fetch: fetchLike } }));
    expect(r.ok).toBe('gate-open\n');
    expect(r.signed).toBe(1);
    expect(fetched).toContain(`${base}/crl/good.crl`);
    const ocspCert = await installCertificate({ ocspUrl: `${base}/ocsp/good`, serial: '7002' });
    served.set('/ocsp/good', await ocspResponse(ocspCert, ca, { status: 'good' }));
    const r2 = await login(policy({ revocation: { mode: 'require', fetch: fetchLike } }));
    expect(r2.ok).toBe('gate-open\n');
    expect(fetched.some((u) => u.startsWith(`${base}/ocsp/good`))).toBe(true);
    expect(cert.der.length).toBeGreaterThan(0);
  });

  it('expired certificate: refused with CERT_EXPIRED, no GENERAL AUTHENTICATE', { timeout: 30_000 }, async () => {
    await installCertificate({ notBefore: new Date(NOW.getTime() - 30 * DAY_MS), notAfter: new Date(NOW.getTime() - DAY_MS) });
    const r = await login(policy());
    const e = gateError(r.err);
    expect(e.code).toBe('CERTIFICATE_REJECTED');
    expect(e.reasons.map((x) => x.code)).toContain('CERT_EXPIRED');
    expect(e.message).toMatch(/expired/i);
    expect(r.signed).toBe(0);
  });

  it('revoked by CRL (served over HTTP): refused with REVOKED, no GENERAL AUTHENTICATE', { timeout: 30_000 }, async () => {
    await installCertificate({ crlUrl: `${base}/crl/revoked.crl`, serial: '7003' });
    served.set('/crl/revoked.crl', (await crl(ca, { revoked: [{ serial: '7003', date: new Date(NOW.getTime() - DAY_MS) }] })).der);
    const r = await login(policy({ revocation: { mode: 'require', fetch: fetchLike } }));
    const e = gateError(r.err);
    expect(e.reasons.map((x) => x.code)).toContain('REVOKED');
    expect(e.message).toMatch(/revoked on/);
    expect(r.signed).toBe(0);
  });

  it('revoked by OCSP (local responder): refused with REVOKED, no GENERAL AUTHENTICATE', { timeout: 30_000 }, async () => {
    const cert = await installCertificate({ ocspUrl: `${base}/ocsp/revoked`, serial: '7004' });
    served.set('/ocsp/revoked', await ocspResponse(cert, ca, { status: 'revoked', revokedAt: new Date(NOW.getTime() - DAY_MS) }));
    const r = await login(policy({ revocation: { mode: 'require', fetch: fetchLike } }));
    const e = gateError(r.err);
    expect(e.reasons.map((x) => x.code)).toContain('REVOKED');
    expect(r.signed).toBe(0);
  });

  it('revocation required but the responder is down: refused (fail closed), no GENERAL AUTHENTICATE', { timeout: 30_000 }, async () => {
    await installCertificate({ crlUrl: `${base}/crl/missing.crl`, serial: '7005' });
    const r = await login(policy({ revocation: { mode: 'require', fetch: fetchLike } }));
    expect(gateError(r.err).reasons.map((x) => x.code)).toContain('REVOCATION_UNKNOWN');
    expect(r.signed).toBe(0);
  });

  it('wrong EKU (server authentication only): refused with LEAF_EKU, no GENERAL AUTHENTICATE', { timeout: 30_000 }, async () => {
    await installCertificate({ eku: [OID.kpServerAuth] });
    const r = await login(policy());
    const e = gateError(r.err);
    expect(e.reasons.map((x) => x.code)).toContain('LEAF_EKU');
    expect(e.message).toMatch(/server authentication/);
    expect(r.signed).toBe(0);
  });

  it('untrusted CA: refused, no GENERAL AUTHENTICATE', { timeout: 30_000 }, async () => {
    await installCertificate({ issuer: otherCa });
    const r = await login(policy());
    const e = gateError(r.err);
    expect(e.code).toBe('CERTIFICATE_REJECTED');
    expect(e.reasons.length).toBeGreaterThan(0);
    expect(r.signed).toBe(0);
  });

  it('a valid certificate for a different key (GET METADATA disagrees): CERTIFICATE_KEY_MISMATCH, no GENERAL AUTHENTICATE', { timeout: 30_000 }, async () => {
    const other = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    await installCertificate({}, new Uint8Array(await crypto.subtle.exportKey('spki', other.publicKey)));
    const r = await login(policy());
    expect(gateError(r.err).code).toBe('CERTIFICATE_KEY_MISMATCH');
    expect(r.signed).toBe(0);
  });

  it('kiosk policy never consults an override', { timeout: 30_000 }, async () => {
    await installCertificate({ issuer: otherCa });
    let asked = 0;
    const r = await login(policy({ override: async () => { asked++; return true; } }));
    expect(gateError(r.err).code).toBe('CERTIFICATE_REJECTED');
    expect(asked).toBe(0);
    expect(r.signed).toBe(0);
  });
});

describe('pre-sign gate, personal policy', () => {
  it('only an explicit override lets a refused certificate sign; declining signs nothing', { timeout: 30_000 }, async () => {
    await installCertificate({ issuer: otherCa });
    const declined = await login(policy({ mode: 'personal', override: async () => false }));
    expect(declined.signed).toBe(0);
    const seen: string[] = [];
    const allowed = await login(policy({ mode: 'personal', override: async (refusal) => { seen.push(refusal.message); return true; } }));
    expect(allowed.ok).toBe('gate-open\n');
    expect(allowed.signed).toBe(1);
    expect((await allowed.session.gateDecision()).overridden).toBe(true);
    expect(seen).toHaveLength(1);
  });

  it('without an override callback, personal policy refuses too', { timeout: 30_000 }, async () => {
    await installCertificate({ eku: [OID.kpServerAuth] });
    const r = await login(policy({ mode: 'personal' }));
    expect(gateError(r.err).reasons.map((x) => x.code)).toContain('LEAF_EKU');
    expect(r.signed).toBe(0);
  });
});
