// Every refusal path: the documented close code reaches the client, and a log line says why.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEARER_PROTOCOL_PREFIX, CloseCode, type Resolver } from '../../relay/index.ts';
import { openClient, startEchoServer, startTestRelay, type TcpTarget, type TestRelay } from './helpers.ts';

let echo: TcpTarget;
let dir: string;
beforeAll(async () => {
  echo = await startEchoServer();
  dir = await mkdtemp(join(tmpdir(), 'tessera-relay-refusals-'));
});
afterAll(async () => {
  await echo.close();
  await rm(dir, { recursive: true, force: true });
});

const loopback: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];

async function expectRefused(relay: TestRelay, path: string, code: number, logCode: string, opts: Parameters<typeof openClient>[2] = {}, protocols?: string[]) {
  const acceptedBefore = echo.accepted();
  const client = openClient(`${relay.url}${path}`, protocols, opts);
  const closed = await client.closed;
  expect(closed.code).toBe(code);
  expect(closed.reason.length).toBeGreaterThan(10);
  const line = await relay.logged('refused', { code: logCode });
  expect(line['closeCode']).toBe(code);
  expect(echo.accepted()).toBe(acceptedBefore); // the target never saw a connection
  return { closed, line };
}

describe('origin', () => {
  it('refuses a page from another origin with 4403, accepts the listed one', async () => {
    const relay = await startTestRelay({ origins: ['https://ssh.example.com'], targets: { allow: [`127.0.0.1:${echo.port}`] } });
    try {
      const { line } = await expectRefused(relay, `/ssh?host=127.0.0.1&port=${echo.port}`, CloseCode.ORIGIN_FORBIDDEN, 'ORIGIN_FORBIDDEN', { origin: 'https://evil.example' });
      expect(line['origin']).toBe('https://evil.example');
      const ok = openClient(`${relay.url}/ssh?host=127.0.0.1&port=${echo.port}`, undefined, { origin: 'https://ssh.example.com' });
      await ok.opened;
      ok.ws.send(Buffer.from('hi'));
      expect((await ok.waitFor(2)).toString()).toBe('hi');
      ok.ws.close();
      await ok.closed;
    } finally {
      await relay.close({ drainMs: 0 });
    }
  });

  it('with no origins configured, accepts only its own origin', async () => {
    const relay = await startTestRelay({ targets: { allow: [`127.0.0.1:${echo.port}`] } });
    try {
      await expectRefused(relay, `/ssh?host=127.0.0.1&port=${echo.port}`, CloseCode.ORIGIN_FORBIDDEN, 'ORIGIN_FORBIDDEN', { origin: 'http://other.example' });
      const own = openClient(`${relay.url}/ssh?host=127.0.0.1&port=${echo.port}`, undefined, { origin: relay.http });
      await own.opened;
      own.ws.close();
      await own.closed;
    } finally {
      await relay.close({ drainMs: 0 });
    }
  });
});

describe('authentication', () => {
  it('bearer: no token gives 4401, a wrong one 4402; a right one opens with the subject audited', async () => {
    const relay = await startTestRelay({
      targets: { allow: [`127.0.0.1:${echo.port}`] },
      auth: { mode: 'bearer', tokens: [{ subject: 'alice', token: 's3cret-token-alice' }] },
    });
    try {
      const path = `/ssh?host=127.0.0.1&port=${echo.port}`;
      await expectRefused(relay, path, CloseCode.AUTH_REQUIRED, 'AUTH_REQUIRED');
      await expectRefused(relay, `${path}&access_token=wrong`, CloseCode.AUTH_INVALID, 'AUTH_INVALID');
      const refusedLine = relay.logs.find((l) => l['code'] === 'AUTH_INVALID');
      expect(JSON.stringify(refusedLine)).not.toContain('access_token=wrong'); // credentials never logged
      const ok = openClient(`${relay.url}${path}`, ['tessera.v1', `${BEARER_PROTOCOL_PREFIX}s3cret-token-alice`]);
      await ok.opened;
      expect(ok.ws.protocol).toBe('tessera.v1');
      ok.ws.close();
      await ok.closed;
      expect((await relay.logged('session'))['who']).toBe('alice');
      const header = openClient(`${relay.url}${path}`, undefined, { headers: { Authorization: 'Bearer s3cret-token-alice' } });
      await header.opened;
      header.ws.close();
      await header.closed;
    } finally {
      await relay.close({ drainMs: 0 });
    }
  });

  function jwt(key: KeyObject, alg: string, claims: Record<string, unknown>, kid = 'k1'): string {
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const data = `${enc({ alg, typ: 'JWT', kid })}.${enc(claims)}`;
    const hash = alg === 'EdDSA' ? null : 'sha256';
    const sig = sign(hash, Buffer.from(data), alg.startsWith('ES') ? { key, dsaEncoding: 'ieee-p1363' } : key);
    return `${data}.${sig.toString('base64url')}`;
  }

  it('jwt: valid ES256/RS256/EdDSA tokens open; expired, wrong audience, foreign key and alg "none" give 4402', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ed = generateKeyPairSync('ed25519');
    const rogue = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwks = join(dir, 'jwks.json');
    await writeFile(jwks, JSON.stringify({ keys: [
      { ...ec.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' },
      { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'k2', alg: 'RS256' },
      { ...ed.publicKey.export({ format: 'jwk' }), kid: 'k3' },
    ] }));
    const relay = await startTestRelay({
      targets: { allow: [`127.0.0.1:${echo.port}`] },
      auth: { mode: 'jwt', jwks, issuer: 'https://idp.example', audience: 'tessera-relay' },
    });
    const now = Math.floor(Date.now() / 1000);
    const good = { sub: 'bob', iss: 'https://idp.example', aud: 'tessera-relay', exp: now + 300 };
    const path = (t: string) => `/ssh?host=127.0.0.1&port=${echo.port}&access_token=${t}`;
    try {
      for (const [token, who] of [[jwt(ec.privateKey, 'ES256', good), 'bob'], [jwt(rsa.privateKey, 'RS256', { ...good, sub: 'carol' }, 'k2'), 'carol'], [jwt(ed.privateKey, 'EdDSA', { ...good, sub: 'dave' }, 'k3'), 'dave']] as const) {
        const ok = openClient(`${relay.url}${path(token)}`);
        await ok.opened;
        ok.ws.close();
        await ok.closed;
        await relay.logged('session', { who });
      }
      await expectRefused(relay, `/ssh?host=127.0.0.1&port=${echo.port}`, CloseCode.AUTH_REQUIRED, 'AUTH_REQUIRED');
      const bad = [
        jwt(ec.privateKey, 'ES256', { ...good, exp: now - 3600 }),
        jwt(ec.privateKey, 'ES256', { ...good, aud: 'someone-else' }),
        jwt(rogue.privateKey, 'ES256', good),
        `${Buffer.from('{"alg":"none","kid":"k1"}').toString('base64url')}.${Buffer.from(JSON.stringify(good)).toString('base64url')}.`,
        'not-a-jwt',
      ];
      for (const t of bad) {
        const c = openClient(`${relay.url}${path(t)}`);
        expect((await c.closed).code).toBe(CloseCode.AUTH_INVALID);
      }
      const reasons = relay.logs.filter((l) => l['code'] === 'AUTH_INVALID').map((l) => String(l['reason']));
      expect(reasons).toEqual(expect.arrayContaining([
        expect.stringMatching(/expired/), expect.stringMatching(/audience/), expect.stringMatching(/signature/),
        expect.stringMatching(/algorithm 'none'/), expect.stringMatching(/not a JWT/),
      ]));
    } finally {
      await relay.close({ drainMs: 0 });
    }
  });
});

describe('target allowlist and DNS', () => {
  it('refuses a port off the allowlist (4404) and an unlisted host before resolving it', async () => {
    const asked: string[] = [];
    const relay = await startTestRelay({ targets: { allow: [`localhost:${echo.port}`] } }, async (h) => { asked.push(h); return [{ address: '127.0.0.1', family: 4 }]; });
    try {
      await expectRefused(relay, `/ssh?host=localhost&port=${echo.port + 1}`, CloseCode.TARGET_FORBIDDEN, 'TARGET_FORBIDDEN');
      await expectRefused(relay, `/ssh/internal.example/${echo.port}`, CloseCode.TARGET_FORBIDDEN, 'TARGET_FORBIDDEN');
      expect(asked).toEqual([]);
      await expectRefused(relay, '/ssh?host=bad_host!&port=22', CloseCode.BAD_TARGET, 'BAD_TARGET');
    } finally {
      await relay.close({ drainMs: 0 });
    }
  });

  it('refuses a private address (4405) unless explicitly allowed', async () => {
    const relay = await startTestRelay({ targets: { allow: [`ssh.example.test:${echo.port}`, `*:${echo.port}`] } }, loopback);
    try {
      await expectRefused(relay, `/ssh?host=ssh.example.test&port=${echo.port}`, CloseCode.PRIVATE_ADDRESS, 'PRIVATE_ADDRESS');
      await expectRefused(relay, `/ssh?host=127.0.0.1&port=${echo.port}`, CloseCode.PRIVATE_ADDRESS, 'PRIVATE_ADDRESS');
      await expectRefused(relay, `/ssh?target=[::1]:${echo.port}`, CloseCode.PRIVATE_ADDRESS, 'PRIVATE_ADDRESS');
    } finally {
      await relay.close({ drainMs: 0 });
    }
    const allowed = await startTestRelay({ targets: { allow: [`ssh.example.test:${echo.port}`], allowPrivate: ['127.0.0.0/8'] } }, loopback);
    try {
      const ok = openClient(`${allowed.url}/ssh?host=ssh.example.test&port=${echo.port}`);
      await ok.opened;
      ok.ws.send(Buffer.from('x'));
      await ok.waitFor(1);
      ok.ws.close();
      await ok.closed;
    } finally {
      await allowed.close({ drainMs: 0 });
    }
  });

  it('DNS rebinding: resolves once, connects to the checked address, refuses mixed answers', async () => {
    // A rebinding resolver: a harmless answer first, then an internal one.
    let calls = 0;
    const rebinding: Resolver = async () => (++calls === 1 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.0.0.1', family: 4 }]);
    const relay = await startTestRelay({ targets: { allow: [`rebind.example.test:${echo.port}`], allowPrivate: ['127.0.0.0/8'] } }, rebinding);
    try {
      const ok = openClient(`${relay.url}/ssh?host=rebind.example.test&port=${echo.port}`);
      await ok.opened;
      ok.ws.send(Buffer.from('ping'));
      expect((await ok.waitFor(4)).toString()).toBe('ping');
      expect(calls).toBe(1); // the name was resolved exactly once for the session
      ok.ws.close();
      const session = await relay.logged('session');
      expect(session['address']).toBe('127.0.0.1');
      // The next session gets the internal answer and is refused: 10/8 is not allowed.
      await expectRefused(relay, `/ssh?host=rebind.example.test&port=${echo.port}`, CloseCode.PRIVATE_ADDRESS, 'PRIVATE_ADDRESS');
    } finally {
      await relay.close({ drainMs: 0 });
    }
    const mixed = await startTestRelay({ targets: { allow: [`mixed.example.test:${echo.port}`], allowPrivate: ['127.0.0.0/8'] } },
      async () => [{ address: '127.0.0.1', family: 4 }, { address: '169.254.169.254', family: 4 }]);
    try {
      await expectRefused(mixed, `/ssh?host=mixed.example.test&port=${echo.port}`, CloseCode.PRIVATE_ADDRESS, 'PRIVATE_ADDRESS');
    } finally {
      await mixed.close({ drainMs: 0 });
    }
  });

  it('reports a name that does not resolve (4406) and a server that refuses (4502)', async () => {
    const relay = await startTestRelay({ targets: { allow: ['nowhere.example.test:22', 'localhost:1'] } }, async (h) => (h === 'localhost' ? [{ address: '127.0.0.1', family: 4 }] : []));
    try {
      await expectRefused(relay, '/ssh?host=nowhere.example.test&port=22', CloseCode.DNS_FAILED, 'DNS_FAILED');
      await expectRefused(relay, '/ssh?host=localhost&port=1', CloseCode.TARGET_UNREACHABLE, 'TARGET_UNREACHABLE');
    } finally {
      await relay.close({ drainMs: 0 });
    }
  });
});

describe('limits', () => {
  it('per-IP (4429) and global (4430) connection limits', async () => {
    const relay = await startTestRelay({ targets: { allow: [`127.0.0.1:${echo.port}`] }, limits: { perIp: 2, global: 3 } });
    const path = `/ssh?host=127.0.0.1&port=${echo.port}`;
    try {
      const a = openClient(`${relay.url}${path}`);
      const b = openClient(`${relay.url}${path}`);
      await Promise.all([a.opened, b.opened]);
      await expect.poll(() => relay.sessions().length).toBe(2);
      await expectRefused(relay, path, CloseCode.LIMIT_PER_IP, 'LIMIT_PER_IP');
      // Another client address (127.0.0.2 is loopback too) still gets in up to the global limit.
      const c = openClient(`${relay.url}${path}`, undefined, { localAddress: '127.0.0.2' });
      await c.opened;
      await expect.poll(() => relay.sessions().length).toBe(3);
      await expectRefused(relay, path, CloseCode.LIMIT_GLOBAL, 'LIMIT_GLOBAL', { localAddress: '127.0.0.3' });
      for (const x of [a, b, c]) x.ws.close();
      await Promise.all([a.closed, b.closed, c.closed]);
    } finally {
      await relay.close({ drainMs: 0 });
    }
  });

  it('idle timeout (4408) and maximum session duration (4409)', async () => {
    const relay = await startTestRelay({ targets: { allow: [`127.0.0.1:${echo.port}`] }, limits: { idleTimeoutMs: 300 } });
    try {
      const c = openClient(`${relay.url}/ssh?host=127.0.0.1&port=${echo.port}`);
      await c.opened;
      expect((await c.closed).code).toBe(CloseCode.IDLE_TIMEOUT);
      await relay.logged('session', { closeName: 'IDLE_TIMEOUT', closedBy: 'relay' });
    } finally {
      await relay.close({ drainMs: 0 });
    }
    const capped = await startTestRelay({ targets: { allow: [`127.0.0.1:${echo.port}`] }, limits: { maxDurationMs: 400 } });
    try {
      const c = openClient(`${capped.url}/ssh?host=127.0.0.1&port=${echo.port}`);
      await c.opened;
      const keepBusy = setInterval(() => c.ws.send(Buffer.from('.')), 50);
      const closed = await c.closed;
      clearInterval(keepBusy);
      expect(closed.code).toBe(CloseCode.SESSION_EXPIRED);
      await capped.logged('session', { closeName: 'SESSION_EXPIRED' });
    } finally {
      await capped.close({ drainMs: 0 });
    }
  });

  it('an oversized frame closes with 1009, a text frame with 1003', async () => {
    const relay = await startTestRelay({ targets: { allow: [`127.0.0.1:${echo.port}`] }, limits: { maxFrameBytes: 4096 } });
    try {
      const c = openClient(`${relay.url}/ssh?host=127.0.0.1&port=${echo.port}`);
      await c.opened;
      c.ws.send(Buffer.alloc(4096, 1));
      await c.waitFor(4096); // exactly the limit passes
      c.ws.send(Buffer.alloc(4097, 1));
      expect((await c.closed).code).toBe(CloseCode.MESSAGE_TOO_BIG);
      await relay.logged('session', { closeName: 'MESSAGE_TOO_BIG' });
      const t = openClient(`${relay.url}/ssh?host=127.0.0.1&port=${echo.port}`);
      await t.opened;
      t.ws.send('text');
      expect((await t.closed).code).toBe(CloseCode.UNSUPPORTED_DATA);
      await relay.logged('session', { closeName: 'UNSUPPORTED_DATA' });
    } finally {
      await relay.close({ drainMs: 0 });
    }
  });
});
