// A scripted server that floods messages no layer implements (RFC 4253 §11.4) and never reads the answers: no real
// server does this. The client must stop reading (backpressure) instead of queueing UNIMPLEMENTED without bound.
import { describe, expect, it } from 'vitest';
import { MSG, SshReader } from '../../ssh-proto/index.ts';
import { scriptedSession } from './scripted-server.ts';

const BATCH = 2000;
const BATCHES = 60; // 120 000 messages, about 3.7 MiB: beyond what the client buffers unread (1 MiB)

/** True when `p` settles within `ms`. */
const settles = (p: Promise<unknown>, ms: number) => Promise.race([p.then(() => true, () => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('a flood of unknown messages from a server that never reads', () => {
  it('stops the client reading until its UNIMPLEMENTED answers are written; it then answers every one in order', { timeout: 60_000 }, async () => {
    const { server, client } = scriptedSession({ ciphers: 'aes128-gcm@openssh.com' });
    await server.versionExchange();
    await server.kex(true);
    const t = await client;
    let accepted = 0;
    let stalled: Promise<void> | undefined;
    for (let b = 0; b < BATCHES; b++) {
      const write = server.sendBatch(Array.from({ length: BATCH }, () => new Uint8Array([200])));
      if (!(await settles(write, 1000))) { stalled = write; break; }
      accepted++;
    }
    expect(stalled, 'the client kept reading every message').toBeDefined();
    expect(accepted).toBeLessThan(BATCHES);
    // The server reads again: the answers come, in sequence-number order, and the stalled write completes.
    for (let i = 0; i < (accepted + 1) * BATCH; i++) {
      const r = new SshReader(await server.read());
      expect(r.byte()).toBe(MSG.UNIMPLEMENTED);
      expect(r.uint32()).toBe(i);
    }
    await stalled;
    await t.close();
  });
});
