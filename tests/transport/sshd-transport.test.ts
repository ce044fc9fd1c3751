// Real OpenSSH servers: the transport completes version exchange, every kex and every cipher/MAC,
// then a service request (SERVICE_REQUEST ssh-userauth -> SERVICE_ACCEPT) over the new keys.
// (Full interop with auth and channels is tests/ssh; this proves the transport alone.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as tcpConnect } from 'node:net';
import { startSshd, SSHD_ALGORITHMS, STRICT_KEX_LOG_LINE, type SshServerPeer } from '../peers/index.ts';
import { MSG } from '../../ssh-proto/messages.ts';
import { SshReader, SshWriter } from '../../ssh-proto/wire/index.ts';
import { authenticate } from '../../ssh-proto/auth/index.ts';
import { Transport, type ByteStream, type TransportEvent, type TransportOptions } from '../../ssh-proto/transport/index.ts';

function tcp(port: number): Promise<ByteStream> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: '127.0.0.1', port }, () => {
      resolve({
        readable: new ReadableStream<Uint8Array>({
          start(c) {
            socket.on('data', (d: Buffer) => c.enqueue(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)));
            socket.once('close', () => { try { c.close(); } catch { /* closed */ } });
          },
          cancel() { socket.destroy(); },
        }),
        writable: new WritableStream<Uint8Array>({
          write(chunk) { return new Promise((res) => { if (socket.write(chunk)) res(); else socket.once('drain', () => res()); }); },
          close() { socket.end(); },
          abort() { socket.destroy(); },
        }),
      });
    });
    socket.once('error', reject);
  });
}

async function handshake(server: SshServerPeer, options: Partial<TransportOptions> = {}) {
  const events: TransportEvent[] = [];
  const t = await Transport.connect(await tcp(server.port), {
    verifyHostKey: async () => {}, // host-key trust is hostkeys/'s job; here the signature on H is what is checked
    onEvent: (e) => events.push(e),
    handshakeTimeoutMs: 20_000,
    ...options,
  });
  await t.send(new SshWriter().byte(MSG.SERVICE_REQUEST).string('ssh-userauth').toBytes());
  const accept = new SshReader(await t.receive());
  expect(accept.byte()).toBe(MSG.SERVICE_ACCEPT);
  expect(accept.name()).toBe('ssh-userauth');
  return { t, events };
}

/** Logs in with the test password, rekeys with data in flight, and checks a global request still gets its answer. */
async function rekeyAfterLogin(server: SshServerPeer, options: Partial<TransportOptions>): Promise<void> {
  const events: TransportEvent[] = [];
  const t = await Transport.connect(await tcp(server.port), { verifyHostKey: async () => {}, onEvent: (e) => events.push(e), ...options });
  await authenticate(t, { username: server.user, methods: [{ type: 'password', password: server.password }] });
  const sessionId = Buffer.from(t.sessionId);
  t.rekey();
  // Sent while the rekey runs: queued, then delivered under the new keys (RFC 4253 §7).
  await t.send(new SshWriter().byte(MSG.GLOBAL_REQUEST).string('tessera-test@example.com').boolean(true).toBytes());
  let reply = await t.receive();
  while (reply[0] === MSG.GLOBAL_REQUEST) reply = await t.receive(); // sshd announces hostkeys-00@openssh.com after auth
  expect(reply[0]).toBe(MSG.REQUEST_FAILURE); // RFC 4254 §4: unknown requests fail
  expect(t.kexCount).toBe(2);
  expect(events.filter((e) => e.type === 'kex-done').map((e) => e.type === 'kex-done' && e.algorithms.kex)).toEqual([t.algorithms?.kex, t.algorithms?.kex]);
  expect(Buffer.from(t.sessionId)).toEqual(sessionId);
  await t.close();
}

describe('transport against OpenSSH 9.2', () => {
  let sshd: SshServerPeer;
  beforeAll(async () => {
    sshd = await startSshd({ version: '9.2', hostCertificates: false, logLevel: 'DEBUG3', hostKeyTypes: ['ed25519', 'ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'rsa'] });
  }, 30_000);
  afterAll(async () => { await sshd?.stop(); });

  it('completes the default handshake with strict kex and EXT_INFO', async () => {
    const { t, events } = await handshake(sshd);
    expect(t.strictKex).toBe(true);
    expect(t.algorithms?.kex).toBe('curve25519-sha256');
    expect(t.algorithms?.cipherServerToClient).toBe('chacha20-poly1305@openssh.com');
    expect(t.serverSigAlgs).toContain('rsa-sha2-512');
    expect(t.sessionId.length).toBe(32);
    expect(events.some((e) => e.type === 'kex-done' && e.strictKex && e.initial)).toBe(true);
    await sshd.waitForLog(STRICT_KEX_LOG_LINE);
    await t.close();
    expect(await t.closed).toBeUndefined();
  }, 20_000);

  it.each(SSHD_ALGORITHMS['9.2'].kex.split(','))('key exchange %s', async (kex) => {
    const { t } = await handshake(sshd, { kexAlgorithms: [kex] });
    expect(t.algorithms?.kex).toBe(kex);
    await t.close();
  }, 20_000);

  const suites = [
    ...['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com'].map((c) => [c, 'none'] as const),
    ...['aes128-ctr', 'aes192-ctr', 'aes256-ctr'].flatMap((c) => SSHD_ALGORITHMS['9.2'].macs.split(',').map((m) => [c, m] as const)),
  ];
  it.each(suites)('cipher %s with MAC %s carries data both ways', async (cipher, mac) => {
    const { t } = await handshake(sshd, { ciphers: [cipher], ...(mac === 'none' ? {} : { macs: [mac] }) });
    expect(t.algorithms?.cipherClientToServer).toBe(cipher);
    expect(t.algorithms?.macServerToClient).toBe(mac);
    await t.close();
  }, 20_000);

  it.each(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256'])(
    'verifies the %s host-key signature on H', async (alg) => {
      let seen = '';
      const { t } = await handshake(sshd, { hostKeyAlgorithms: [alg], verifyHostKey: async (k) => { seen = k.algorithm; } });
      expect(seen).toBe(alg);
      expect(t.hostKey.algorithm).toBe(alg);
      await t.close();
    }, 20_000);

  it.each(['chacha20-poly1305@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr'])('%s: a client-initiated rekey after auth keeps the session working', async (cipher) => {
    // sshd refuses rekeys before authentication (dispatch_protocol_error in preauth), so log in first.
    await rekeyAfterLogin(sshd, { ciphers: [cipher] });
  }, 20_000);

  it('keeps its keys when sshd refuses a rekey before authentication (UNIMPLEMENTED)', async () => {
    const { t, events } = await handshake(sshd);
    t.rekey();
    await t.send(new SshWriter().byte(MSG.USERAUTH_REQUEST).string(sshd.user).string('ssh-connection').string('none').toBytes());
    let reply = new SshReader(await t.receive());
    while (reply.byte() === MSG.USERAUTH_BANNER) reply = new SshReader(await t.receive());
    expect(reply.nameList()).toContain('publickey'); // USERAUTH_FAILURE: the session went on under the first keys
    expect(events).toContainEqual({ type: 'kex-refused' });
    expect(t.kexCount).toBe(1);
    await t.close();
    expect(await t.closed).toBeUndefined();
  }, 20_000);

  it('refuses a host key the verifier rejects, with HOST_KEY_NOT_VERIFIABLE on the wire', async () => {
    const refusal = Object.assign(new Error('unknown host'), { code: 'HOST_KEY_UNKNOWN' });
    await expect(handshake(sshd, { verifyHostKey: async () => { throw refusal; } })).rejects.toBe(refusal);
    await sshd.waitForLog(/Received disconnect from 127\.0\.0\.1 port \d+:9/);
  }, 20_000);
});

describe('server-initiated rekey (sshd RekeyLimit 1K)', () => {
  let sshd: SshServerPeer;
  beforeAll(async () => { sshd = await startSshd({ version: '9.2', hostCertificates: false, hostKeyTypes: ['ed25519'], rekeyLimit: '1K' }); }, 30_000);
  afterAll(async () => { await sshd?.stop(); });

  it('follows the server into new keys while requests keep flowing', async () => {
    const events: TransportEvent[] = [];
    const t = await Transport.connect(await tcp(sshd.port), { verifyHostKey: async () => {}, onEvent: (e) => events.push(e) });
    await authenticate(t, { username: sshd.user, methods: [{ type: 'password', password: sshd.password }] });
    let answered = 0;
    for (let i = 0; i < 40; i++) {
      await t.send(new SshWriter().byte(MSG.GLOBAL_REQUEST).string('tessera-test@example.com').boolean(true).string(new Uint8Array(500)).toBytes());
      let reply = await t.receive();
      while (reply[0] === MSG.GLOBAL_REQUEST) reply = await t.receive();
      if (reply[0] === MSG.REQUEST_FAILURE) answered++;
    }
    expect(answered).toBe(40);
    expect(events.some((e) => e.type === 'kex-start' && e.initiatedBy === 'server')).toBe(true);
    expect(t.kexCount).toBeGreaterThan(1);
    await t.close();
  }, 30_000);
});

describe('transport against OpenSSH 10.0', () => {
  let sshd: SshServerPeer;
  beforeAll(async () => { sshd = await startSshd({ version: '10.0', hostCertificates: false, hostKeyTypes: ['ed25519'] }); }, 30_000);
  afterAll(async () => { await sshd?.stop(); });

  it('negotiates mlkem768x25519-sha256 by default, and rekeys with it', async () => {
    const { t, events } = await handshake(sshd);
    expect(t.algorithms?.kex).toBe('mlkem768x25519-sha256');
    expect(t.strictKex).toBe(true);
    expect(events.some((e) => e.type === 'kex-done' && e.strictKex)).toBe(true);
    await t.close();
    await rekeyAfterLogin(sshd, {});
  }, 20_000);
});
