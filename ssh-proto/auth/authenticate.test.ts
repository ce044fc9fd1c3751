// User auth against a scripted server over an in-memory MessageChannel. Real sshd/dropbear runs are in tests/ssh (D);
// here the server side checks each request's exact layout, and node:crypto independently verifies the RFC 4252 §7 signature.
import { describe, expect, it } from 'vitest';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SshReader, SshWriter } from '../wire/index.ts';
import { MSG } from '../messages.ts';
import { parsePrivateKeyFile } from '../keys/index.ts';
import { authenticate, AuthError, chooseAlgorithms, passwordResponder, type MessageChannel, type Signer } from './index.ts';

/** A client-side MessageChannel whose peer is a script written with `next()` and `send()`. */
function memoryChannel(serverSigAlgs?: string[]) {
  const toClient: Uint8Array[] = [];
  const toServer: Uint8Array[] = [];
  let clientWaiter: (() => void) | undefined;
  let serverWaiter: (() => void) | undefined;
  const channel: MessageChannel = {
    sessionId: new Uint8Array(32).fill(7),
    serverSigAlgs,
    async send(p) { toServer.push(p); serverWaiter?.(); },
    async receive() {
      while (toClient.length === 0) await new Promise<void>((r) => { clientWaiter = r; });
      return toClient.shift()!;
    },
  };
  const server = {
    async next(): Promise<SshReader> {
      while (toServer.length === 0) await new Promise<void>((r) => { serverWaiter = r; });
      return new SshReader(toServer.shift()!);
    },
    send(w: SshWriter) { toClient.push(w.toBytes()); clientWaiter?.(); },
    failure(methods: string[], partial = false) { server.send(new SshWriter().byte(MSG.USERAUTH_FAILURE).nameList(methods).boolean(partial)); },
    success() { server.send(new SshWriter().byte(MSG.USERAUTH_SUCCESS)); },
    /** Reads a USERAUTH_REQUEST header and returns the reader positioned after the method name. */
    async request(method: string): Promise<SshReader> {
      const r = await server.next();
      expect(r.byte()).toBe(MSG.USERAUTH_REQUEST);
      expect(r.utf8()).toBe('alice');
      expect(r.name()).toBe('ssh-connection');
      expect(r.name()).toBe(method);
      return r;
    },
    async serviceAndNone(methods: string[]) {
      const s = await server.next();
      expect(s.byte()).toBe(MSG.SERVICE_REQUEST);
      expect(s.name()).toBe('ssh-userauth');
      server.send(new SshWriter().byte(MSG.SERVICE_ACCEPT).string('ssh-userauth'));
      (await server.request('none')).end();
      server.failure(methods);
    },
  };
  return { channel, server };
}

/** The SSH public key blob as a JWK, for node:crypto. */
function jwkOf(blob: Uint8Array) {
  const r = new SshReader(blob);
  const type = r.name();
  const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  if (type === 'ssh-ed25519') return { kty: 'OKP', crv: 'Ed25519', x: b64u(r.string()) };
  const e = r.mpintBytes();
  return { kty: 'RSA', e: b64u(e), n: b64u(r.mpintBytes()) };
}

function keyFile(type: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-auth-'));
  try {
    execFileSync('/usr/bin/ssh-keygen', ['-q', '-N', '', '-f', join(dir, 'k'), ...type]);
    return readFileSync(join(dir, 'k'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('publickey (RFC 4252 §7)', () => {
  it.each([
    ['ed25519', ['-t', 'ed25519'], ['rsa-sha2-512', 'ssh-ed25519'], 'ssh-ed25519', null],
    ['rsa with server-sig-algs rsa-sha2-256 only', ['-t', 'rsa', '-b', '2048'], ['rsa-sha2-256', 'ssh-rsa'], 'rsa-sha2-256', 'sha256'],
    ['rsa preferring rsa-sha2-512', ['-t', 'rsa', '-b', '2048'], ['rsa-sha2-256', 'rsa-sha2-512'], 'rsa-sha2-512', 'sha512'],
  ])('%s: query, PK_OK, then a signature node:crypto verifies over the exact §7 data', async (_n, args, sigAlgs, want, nodeHash) => {
    const key = await parsePrivateKeyFile(keyFile(args));
    const { channel, server } = memoryChannel(sigAlgs);
    const banners: string[] = [];
    const done = authenticate(channel, { username: 'alice', methods: [{ type: 'publickey', signer: key }], onBanner: (m) => banners.push(m) });
    await server.serviceAndNone(['publickey', 'password']);
    const q = await server.request('publickey');
    expect(q.boolean()).toBe(false);
    expect(q.name()).toBe(want);
    expect(Buffer.from(q.string())).toEqual(Buffer.from(key.publicKey));
    q.end();
    server.send(new SshWriter().byte(MSG.USERAUTH_BANNER).string('Welcome\n').string('en'));
    server.send(new SshWriter().byte(MSG.USERAUTH_PK_OK).string(want).string(key.publicKey));
    const s = await server.request('publickey');
    expect(s.boolean()).toBe(true);
    expect(s.name()).toBe(want);
    const blob = s.string();
    const sig = new SshReader(s.string());
    s.end();
    expect(sig.name()).toBe(want);
    const raw = sig.string();
    const signed = new SshWriter().string(channel.sessionId).byte(50).string('alice').string('ssh-connection')
      .string('publickey').boolean(true).string(want).string(blob).toBytes();
    // The independent check: node:crypto, with the public key from ssh-keygen's own export.
    const pub = createPublicKey({ key: jwkOf(blob), format: 'jwk' });
    expect(nodeVerify(nodeHash, signed, pub, raw)).toBe(true);
    server.success();
    await expect(done).resolves.toEqual({ methods: ['publickey'] });
    expect(banners).toEqual(['Welcome\n']);
  });

  it('never offers ssh-rsa (SHA-1) by default, even when the server lists only it', () => {
    const signer: Signer = { publicKey: new SshWriter().string('ssh-rsa').toBytes(), algorithms: ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'], sign: async () => new Uint8Array() };
    expect(chooseAlgorithms(signer, ['ssh-rsa'])).toEqual([]);
    expect(chooseAlgorithms(signer, undefined)).toEqual(['rsa-sha2-512', 'rsa-sha2-256']);
    expect(chooseAlgorithms(signer, ['ssh-rsa'], true)).toEqual(['ssh-rsa']);
  });
});

describe('method negotiation', () => {
  it('partial success: publickey then keyboard-interactive (multi-factor), with prompts through the callback', async () => {
    const key = await parsePrivateKeyFile(keyFile(['-t', 'ed25519']));
    const { channel, server } = memoryChannel(['ssh-ed25519']);
    const seen: string[] = [];
    const done = authenticate(channel, {
      username: 'alice',
      methods: [{ type: 'publickey', signer: key, query: false }, { type: 'password', password: 'x' }, { type: 'keyboard-interactive' }],
      onPrompt: async (req) => { seen.push(`${req.name}|${req.instruction}|${req.prompts.map((p) => `${p.prompt}:${p.echo}`).join(',')}`); return req.prompts.map(() => '123456'); },
    });
    await server.serviceAndNone(['publickey']);
    const s = await server.request('publickey');
    expect(s.boolean()).toBe(true);
    server.failure(['keyboard-interactive'], true);
    const k = await server.request('keyboard-interactive');
    expect(k.string().length).toBe(0);
    expect(k.utf8()).toBe('');
    k.end();
    server.send(new SshWriter().byte(MSG.USERAUTH_INFO_REQUEST).string('OTP').string('Enter the code').string('').uint32(1).string('Code: ').boolean(false));
    const resp = await server.next();
    expect(resp.byte()).toBe(MSG.USERAUTH_INFO_RESPONSE);
    expect(resp.uint32()).toBe(1);
    expect(resp.utf8()).toBe('123456');
    resp.end();
    // OpenSSH's PAM path ends with an empty round.
    server.send(new SshWriter().byte(MSG.USERAUTH_INFO_REQUEST).string('').string('').string('').uint32(0));
    const empty = await server.next();
    expect(empty.byte()).toBe(MSG.USERAUTH_INFO_RESPONSE);
    expect(empty.uint32()).toBe(0);
    server.success();
    await expect(done).resolves.toEqual({ methods: ['publickey', 'keyboard-interactive'] });
    expect(seen).toEqual(['OTP|Enter the code|Code: :false']);
  });

  it('a method marked onlyAfterPartialSuccess waits for another factor: skipped after a plain refusal', async () => {
    const { channel, server } = memoryChannel();
    const asked: string[] = [];
    const done = authenticate(channel, {
      username: 'alice',
      methods: [
        { type: 'password', password: 'first' },
        { type: 'keyboard-interactive', respond: async (r) => { asked.push(r.prompts[0]!.prompt); return ['123456']; }, onlyAfterPartialSuccess: true },
      ],
    });
    await server.serviceAndNone(['password', 'keyboard-interactive']);
    await server.request('password');
    server.failure(['password', 'keyboard-interactive']);
    const err = await done.catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AUTH_FAILED', allowedMethods: ['password', 'keyboard-interactive'] });
    expect((err as Error).message).toContain('(tried: password; the server accepts: password, keyboard-interactive)');
    expect(asked).toEqual([]);
  });

  it('a method marked onlyAfterPartialSuccess is tried after a partial success', async () => {
    const { channel, server } = memoryChannel();
    const done = authenticate(channel, {
      username: 'alice',
      methods: [
        { type: 'password', password: 'first' },
        { type: 'keyboard-interactive', respond: async () => ['123456'], onlyAfterPartialSuccess: true },
      ],
    });
    await server.serviceAndNone(['password']);
    await server.request('password');
    server.failure(['keyboard-interactive'], true);
    const k = await server.request('keyboard-interactive');
    k.string(); k.string();
    server.send(new SshWriter().byte(MSG.USERAUTH_INFO_REQUEST).string('').string('').string('').uint32(1).string('Verification code: ').boolean(true));
    const answer = await server.next();
    expect(answer.byte()).toBe(MSG.USERAUTH_INFO_RESPONSE);
    expect(answer.uint32()).toBe(1);
    expect(answer.utf8()).toBe('123456');
    server.success();
    await expect(done).resolves.toEqual({ methods: ['password', 'keyboard-interactive'] });
  });

  it('passwordResponder answers the password prompts itself and asks only the rest', async () => {
    const asked: string[] = [];
    const respond = passwordResponder('pw', async (r) => { asked.push(`${r.instruction}|${r.prompts.map((p) => `${p.prompt}:${p.echo}`).join(',')}`); return r.prompts.map(() => '654321'); });
    const mixed = { name: '', instruction: 'Two factors', prompts: [{ prompt: 'Password: ', echo: false }, { prompt: 'Verification code: ', echo: true }] };
    expect(await respond(mixed)).toEqual(['pw', '654321']);
    expect(await respond({ name: '', instruction: '', prompts: [{ prompt: 'Password: ', echo: false }] })).toEqual(['pw']);
    expect(await respond({ name: '', instruction: 'Your password expires in 3 days.', prompts: [] })).toEqual([]);
    expect(asked).toEqual(['Two factors|Verification code: :true', 'Your password expires in 3 days.|']);
    // A token's PASSCODE (RSA SecurID's pam_securid, RADIUS) is not the password: asked, never answered with it.
    asked.length = 0;
    const securid = { name: '', instruction: '', prompts: [{ prompt: 'Password: ', echo: false }, { prompt: 'Enter PASSCODE: ', echo: false }] };
    expect(await respond(securid)).toEqual(['pw', '654321']);
    expect(asked).toEqual(['|Enter PASSCODE: :false']);
    // An expired password (pam_unix): the current one is answered, the new one and its retype are the user's.
    asked.length = 0;
    expect(await respond({ name: '', instruction: '', prompts: [{ prompt: 'Current password: ', echo: false }] })).toEqual(['pw']);
    expect(await respond({ name: '', instruction: '', prompts: [{ prompt: 'New password: ', echo: false }] })).toEqual(['654321']);
    expect(await respond({ name: '', instruction: '', prompts: [{ prompt: 'Retype new password: ', echo: false }] })).toEqual(['654321']);
    expect(asked).toEqual(['|New password: :false', '|Retype new password: :false']);
    await expect(passwordResponder('pw')(mixed)).rejects.toMatchObject({ code: 'AUTH_CANCELLED' });
    await expect(passwordResponder('pw', async () => [])(mixed)).rejects.toMatchObject({ code: 'AUTH_CANCELLED' });
  });

  it('password refused: AUTH_FAILED lists the methods the server still allows', async () => {
    const { channel, server } = memoryChannel();
    const done = authenticate(channel, { username: 'alice', methods: [{ type: 'password', password: 'secret' }] });
    await server.serviceAndNone(['publickey', 'password']);
    const p = await server.request('password');
    expect(p.boolean()).toBe(false);
    expect(p.utf8()).toBe('secret');
    server.failure(['publickey', 'password']);
    const err = await done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(err).toMatchObject({ code: 'AUTH_FAILED', allowedMethods: ['publickey', 'password'] });
    expect((err as Error).message).toMatch(/alice/);
  });

  it('an RSA key with no algorithm the server accepts is skipped without hiding the server\'s other methods', async () => {
    // sshd with PubkeyAcceptedAlgorithms ssh-ed25519 announces server-sig-algs=ssh-ed25519 (RFC 8308 §3.1): the RSA key
    // has nothing to offer, and the password method the server lists must still be tried (RFC 4252 §5.1).
    const { channel, server } = memoryChannel(['ssh-ed25519']);
    const rsa: Signer = {
      publicKey: new SshWriter().string('ssh-rsa').toBytes(), algorithms: ['rsa-sha2-512', 'rsa-sha2-256'],
      sign: async () => { throw new Error('must not sign'); },
    };
    const done = authenticate(channel, { username: 'alice', methods: [{ type: 'publickey', signer: rsa }, { type: 'password', password: 'pw' }] });
    await server.serviceAndNone(['publickey', 'password']);
    const p = await Promise.race([server.request('password'), done.then(() => 'resolved', (e: unknown) => e)]);
    expect(p).toBeInstanceOf(SshReader);
    expect((p as SshReader).boolean()).toBe(false);
    expect((p as SshReader).utf8()).toBe('pw');
    server.success();
    await expect(done).resolves.toEqual({ methods: ['password'] });
  });

  it('skips methods the server does not list, and succeeds on none for open accounts', async () => {
    const a = memoryChannel();
    const done = authenticate(a.channel, { username: 'alice', methods: [{ type: 'password', password: 'x' }] });
    const s = await a.server.next();
    expect(s.byte()).toBe(MSG.SERVICE_REQUEST);
    a.server.send(new SshWriter().byte(MSG.SERVICE_ACCEPT).string('ssh-userauth'));
    (await a.server.request('none')).end();
    a.server.success();
    await expect(done).resolves.toEqual({ methods: ['none'] });

    const b = memoryChannel();
    const refused = authenticate(b.channel, { username: 'alice', methods: [{ type: 'password', password: 'x' }] });
    await b.server.serviceAndNone(['publickey']);
    await expect(refused).rejects.toMatchObject({ code: 'AUTH_FAILED', allowedMethods: ['publickey'] });
  });
});

describe('hostile servers', () => {
  it('an unexpected message during auth is a typed protocol error', async () => {
    const { channel, server } = memoryChannel();
    const done = authenticate(channel, { username: 'alice', methods: [{ type: 'password', password: 'x' }] });
    await server.serviceAndNone(['password']);
    await server.request('password');
    server.send(new SshWriter().byte(MSG.CHANNEL_DATA).uint32(0).string('x'));
    await expect(done).rejects.toMatchObject({ code: 'AUTH_UNEXPECTED_MESSAGE' });
  });

  it('a PK_OK for another key is refused', async () => {
    const key = await parsePrivateKeyFile(keyFile(['-t', 'ed25519']));
    const { channel, server } = memoryChannel();
    const done = authenticate(channel, { username: 'alice', methods: [{ type: 'publickey', signer: key }] });
    await server.serviceAndNone(['publickey']);
    await server.request('publickey');
    server.send(new SshWriter().byte(MSG.USERAUTH_PK_OK).string('ssh-ed25519').string(new Uint8Array(51)));
    await expect(done).rejects.toMatchObject({ code: 'AUTH_BAD_PK_OK' });
  });

  it('endless keyboard-interactive rounds stop with AUTH_TOO_MANY_PROMPTS', async () => {
    const { channel, server } = memoryChannel();
    const done = authenticate(channel, { username: 'alice', methods: [{ type: 'keyboard-interactive', respond: async () => [] }] });
    await server.serviceAndNone(['keyboard-interactive']);
    await server.request('keyboard-interactive');
    const caught = done.catch((e: unknown) => e);
    for (let i = 0; i < 40; i++) {
      server.send(new SshWriter().byte(MSG.USERAUTH_INFO_REQUEST).string('').string('').string('').uint32(0));
      if (i < 32) await server.next();
    }
    expect(await caught).toMatchObject({ code: 'AUTH_TOO_MANY_PROMPTS' });
  });

  it('a silent server ends with AUTH_TIMEOUT; an abort with AUTH_CANCELLED', async () => {
    const a = memoryChannel();
    const timedOut = authenticate(a.channel, { username: 'alice', methods: [], replyTimeoutMs: 50 });
    await expect(timedOut).rejects.toMatchObject({ code: 'AUTH_TIMEOUT' });
    const b = memoryChannel();
    const ac = new AbortController();
    const cancelled = authenticate(b.channel, { username: 'alice', methods: [], signal: ac.signal });
    await b.server.next();
    ac.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'AUTH_CANCELLED' });
  });

  it('banners do not extend the reply timeout: a server trickling them still ends with AUTH_TIMEOUT', async () => {
    const { channel, server } = memoryChannel();
    const banners: string[] = [];
    const done = authenticate(channel, {
      username: 'alice', methods: [{ type: 'password', password: 'pw' }], replyTimeoutMs: 200, onBanner: (m) => banners.push(m),
    });
    await server.serviceAndNone(['password']);
    await server.request('password');
    const caught = done.catch((e: unknown) => e);
    let settled = false;
    void caught.then(() => { settled = true; });
    // One banner every 20 ms for up to 2 s: each arrives well within the 200 ms timeout, none is an answer.
    // Counted in banners sent, not in wall-clock time: each round waits at least 20 ms, so the timeout comes
    // after about 10 of them however often the machine stalls this process (a stall delays both alike).
    let sent = 0;
    for (let i = 0; i < 100 && !settled; i++) {
      server.send(new SshWriter().byte(MSG.USERAUTH_BANNER).string(`line ${i}\n`).string(''));
      sent++;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(settled).toBe(true);
    expect(await caught).toMatchObject({ code: 'AUTH_TIMEOUT' });
    expect(sent).toBeLessThanOrEqual(20);
    expect(banners.length).toBeGreaterThan(0);
  });

  it('a truncated FAILURE message is a typed wire error', async () => {
    const { channel, server } = memoryChannel();
    const done = authenticate(channel, { username: 'alice', methods: [] });
    const s = await server.next();
    expect(s.byte()).toBe(MSG.SERVICE_REQUEST);
    server.send(new SshWriter().byte(MSG.SERVICE_ACCEPT).string('ssh-userauth'));
    await server.next();
    server.send(new SshWriter().byte(MSG.USERAUTH_FAILURE).uint32(10));
    await expect(done).rejects.toMatchObject({ code: 'WIRE_SHORT_READ' });
  });
});
