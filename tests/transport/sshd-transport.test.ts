// Real OpenSSH servers: the transport completes version exchange, every kex and every cipher/MAC,
// then a service request (SERVICE_REQUEST ssh-userauth -> SERVICE_ACCEPT) over the new keys.
// (Full interop with auth and channels is tests/ssh; this proves the transport alone.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as tcpConnect } from 'node:net';
import { startSshd, SSHD_ALGORITHMS, STRICT_KEX_LOG_LINE, type SshServerPeer } from '../peers/index.ts';
import { MSG } from '../../ssh-proto/messages.ts';
import { SshReader, SshWriter } from '../../ssh-proto/wire/index.ts';
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

  it('refuses a host key the verifier rejects, with HOST_KEY_NOT_VERIFIABLE on the wire', async () => {
    const refusal = Object.assign(new Error('unknown host'), { code: 'HOST_KEY_UNKNOWN' });
    await expect(handshake(sshd, { verifyHostKey: async () => { throw refusal; } })).rejects.toBe(refusal);
    await sshd.waitForLog(/Received disconnect from 127\.0\.0\.1 port \d+:9/);
  }, 20_000);
});

describe('transport against OpenSSH 10.0', () => {
  let sshd: SshServerPeer;
  beforeAll(async () => { sshd = await startSshd({ version: '10.0', hostCertificates: false, hostKeyTypes: ['ed25519'] }); }, 30_000);
  afterAll(async () => { await sshd?.stop(); });

  it('negotiates mlkem768x25519-sha256 by default', async () => {
    const { t } = await handshake(sshd);
    expect(t.algorithms?.kex).toBe('mlkem768x25519-sha256');
    expect(t.strictKex).toBe(true);
    await t.close();
  }, 20_000);
});
