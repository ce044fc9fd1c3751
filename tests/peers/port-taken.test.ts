// A port taken between the moment a launcher draws it and the moment its server binds it (another test file starting a
// peer in parallel): here the taker is this test, which holds the port freePort hands out next. Each launcher must still
// start its own server, on another port, and never hand out the taker's: the SSH servers of tests/peers, the card
// tests' sshd (tests/card), the child relays (tests/relay). pcscd's case is in tests/card/fidelity.test.ts, which holds
// pcscd (one at a time, under a lock) for its whole run: there every card test runs on the port pcscd moved to.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../support/process.ts';
import type * as ProcessModule from '../support/process.ts';
import { listeningPorts, PeerStartError } from '../support/index.ts';
import { startSshd as startCardSshd } from '../card/sshd.ts';
import { startChildRelay, startChildRelayOnFreePort } from '../relay/child-relay.ts';
import { generateKey, makeTempDir, removeTempDir, runOpenSsh, startAsyncSsh, startDropbear, startSshd, type KeyPair, type SshServerPeer } from './index.ts';

vi.mock('../support/process.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof ProcessModule>();
  return { ...actual, freePort: vi.fn(actual.freePort) };
});
const drawn = vi.mocked(freePort);
const { freePort: realFreePort } = await vi.importActual<typeof ProcessModule>('../support/process.ts');

/** A listener on a port freePort could give, that answers as an SSH server would, and counts who came. */
interface Taker { readonly port: number; readonly server: Server; connections: number }

async function takePort(): Promise<Taker> {
  const port = await realFreePort();
  const taker: Taker = { port, server: createServer((s) => { taker.connections++; s.on('error', () => undefined); s.end('SSH-2.0-NotTheTestPeer\r\n'); }), connections: 0 };
  await new Promise<void>((resolve, reject) => { taker.server.once('error', reject); taker.server.listen(port, '127.0.0.1', resolve); });
  return taker;
}

/** The next port freePort gives is the taker's; later ones are free. */
function takenNext(): void {
  let given = false;
  drawn.mockImplementation(() => {
    if (given) return realFreePort();
    given = true;
    return Promise.resolve(taker.port);
  });
}

let dir: string;
let userKey: KeyPair;
let taker: Taker;
beforeAll(async () => { dir = makeTempDir(); userKey = generateKey(dir, 'user', 'ed25519'); taker = await takePort(); });
afterAll(async () => {
  drawn.mockImplementation(realFreePort);
  await new Promise<void>((resolve) => taker.server.close(() => resolve()));
  removeTempDir(dir);
});

const launchers: [string, () => Promise<SshServerPeer>][] = [
  ['OpenSSH 9.2', () => startSshd({ version: '9.2', authorizedKeys: [userKey.publicLine] })],
  // At ERROR sshd logs no "Server listening": the old launcher then took any answer on the port as sshd's.
  ['OpenSSH 9.2 at LogLevel ERROR', () => startSshd({ version: '9.2', authorizedKeys: [userKey.publicLine], logLevel: 'ERROR' })],
  ['OpenSSH 10.0', () => startSshd({ version: '10.0', authorizedKeys: [userKey.publicLine] })],
  ['Dropbear', () => startDropbear({ authorizedKeys: [userKey.publicLine] })],
  ['AsyncSSH', () => startAsyncSsh({ authorizedKeys: [userKey.publicLine] })],
];

describe.each(launchers)('%s, the port it would draw taken by another process', (_name, launch) => {
  it('starts on another port, its own server answers there, and it stops by pid', async () => {
    takenNext();
    const before = taker.connections;
    const server = await launch();
    try {
      expect(server.port).not.toBe(taker.port);
      // The real client trusts exactly this server's host keys (runOpenSsh: StrictHostKeyChecking yes).
      const run = await runOpenSsh(server, { identity: userKey.privatePath, command: 'echo own-$((6*7))' });
      expect(run.stdout.toString()).toBe('own-42\n');
      expect(run.code).toBe(0);
      expect(taker.connections).toBe(before);
    } finally {
      drawn.mockImplementation(realFreePort);
      await server.stop();
    }
    expect(() => process.kill(server.pid, 0)).toThrow();
  });
});

describe('OpenSSH, every port it draws taken', () => {
  it('gives up after a few ports, with sshd\'s own words', async () => {
    drawn.mockImplementation(() => Promise.resolve(taker.port));
    try {
      const started = startSshd({ version: '9.2', authorizedKeys: [userKey.publicLine] });
      await expect(started).rejects.toThrow(PeerStartError);
      await expect(started).rejects.toThrow(/taken before it could bind it, 5 times[\s\S]*Bind to port \d+ on 127\.0\.0\.1 failed: Address already in use/);
    } finally {
      drawn.mockImplementation(realFreePort);
    }
    expect(drawn).toHaveBeenCalled();
  });
});

describe('the card tests\' sshd (tests/card/sshd.ts), its port taken', () => {
  it('starts on another port, which its own pid holds, and stops by pid', async () => {
    takenNext();
    const before = taker.connections;
    const sshd = await startCardSshd(`${userKey.publicLine}\n`);
    try {
      expect(sshd.port).not.toBe(taker.port);
      expect(listeningPorts(sshd.peer.pid)).toContain(sshd.port);
      expect(taker.connections).toBe(before);
    } finally {
      drawn.mockImplementation(realFreePort);
      await sshd.stop();
    }
    expect(() => process.kill(sshd.peer.pid, 0)).toThrow();
  });
});

describe('a child relay (tests/relay/child-relay.ts)', () => {
  it('on port 0, reports the port it bound, which its own pid holds', async () => {
    const relay = await startChildRelay(dir, 'port-zero', { listen: { host: '127.0.0.1', port: 0 }, static: { dir: null } });
    try {
      expect(listeningPorts(relay.peer.pid)).toEqual([relay.port]);
      expect(relay.url).toBe(`ws://127.0.0.1:${relay.port}`);
      expect((await fetch(`http://127.0.0.1:${relay.port}/healthz`)).status).toBe(200);
    } finally {
      await relay.peer.stop();
    }
    expect(() => process.kill(relay.peer.pid, 0)).toThrow();
  });

  it('on a drawn port that was taken, starts on another', async () => {
    takenNext();
    const before = taker.connections;
    const relay = await startChildRelayOnFreePort(dir, 'drawn', (port) => ({ listen: { host: '127.0.0.1', port }, static: { dir: null } }));
    try {
      expect(relay.port).not.toBe(taker.port);
      expect(listeningPorts(relay.peer.pid)).toEqual([relay.port]);
      expect(taker.connections).toBe(before);
    } finally {
      drawn.mockImplementation(realFreePort);
      await relay.peer.stop();
    }
    expect(() => process.kill(relay.peer.pid, 0)).toThrow();
  });
});
