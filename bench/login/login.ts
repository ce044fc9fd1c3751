// Benchmark: smart-card login, from WebSocket open to the first shell output, with the simulated PIV card.
// Tessera: virtual CCID reader → ccid → card → identity (gate, PIN, signature) → ssh-proto through the relay to
// sshd 9.2. Reported: total time, the time spent in card APDUs (reported apart: simulated card plus CCID), the
// rest, and the network round trips (a "turn" is a read after our last write). OpenSSH: `ssh -I opensc-pkcs11.so`
// with the same kind of card served to pcscd through vpcd, to the same sshd through a loopback proxy that counts
// its round trips the same way (it cannot use the relay);
// its time is the whole process (PKCS#11 load and card enumeration included), so the ratio favours us somewhat.
// Run: npx tsx bench/login/login.ts [runs]
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PivToken, type ApduTransport } from '../../card/index.ts';
import { CcidReader } from '../../ccid/index.ts';
import { connectRelay, type NetByteStream } from '../../cli/net-stream.ts';
import { cardAuthMethods, openCardSession } from '../../identity/index.ts';
import { startRelay } from '../../relay/index.ts';
import { createTestCa, provisionPivCard, VirtualReader } from '../../sim/index.ts';
import { connect } from '../../ssh-proto/index.ts';
import { startSshd } from '../../tests/peers/index.ts';
import { OPENSC_PKCS11, startPcscd } from '../../tests/card/pcsc.ts';
import { runTool } from '../../tests/card/run.ts';
import { READER_PROFILE } from '../../tests/identity/stack.ts';

const RUNS = Number(process.argv[2] ?? 5);

/**
 * A loopback TCP proxy to `port` that counts round trips the same way as countingStream: each chunk from the
 * server that follows a chunk from the client is one turn. OpenSSH connects through it.
 */
async function countingProxy(port: number): Promise<{ port: number; turns: number[]; close(): Promise<void> }> {
  const turns: number[] = [];
  const server = createServer((client) => {
    const index = turns.push(0) - 1;
    let wrote = false;
    const upstream = createConnection({ host: '127.0.0.1', port });
    client.on('data', (d) => { wrote = true; upstream.write(d); });
    upstream.on('data', (d) => { if (wrote) { turns[index]!++; wrote = false; } client.write(d); });
    const end = () => { client.destroy(); upstream.destroy(); };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, turns, close: () => new Promise((resolve) => { server.close(() => resolve()); }) };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Counts direction turns: each read that follows a write is one round trip. */
function countingStream(s: NetByteStream, counter: { turns: number }): NetByteStream {
  let wrote = false;
  const reader = s.readable.getReader();
  const writer = s.writable.getWriter();
  return {
    readable: new ReadableStream({ async pull(c) { const r = await reader.read(); if (r.done) { c.close(); return; } if (wrote) { counter.turns++; wrote = false; } c.enqueue(r.value); } }),
    writable: new WritableStream({ async write(chunk) { wrote = true; await writer.write(chunk); }, async close() { await writer.close(); } }),
    destroy: () => s.destroy(),
  };
}

async function main(): Promise<void> {
  const ca = await createTestCa();
  const provisioned = await provisionPivCard({ ca, slots: [{ slot: 0x9a, algorithm: 'p-256' }] });
  const spki = provisioned.slots.get(0x9a)!.spki;
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-login-'));
  const pem = createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ format: 'pem', type: 'spki' }) as string;
  writeFileSync(join(dir, 'card.pem'), pem);
  const line = (await runTool('/usr/bin/ssh-keygen', ['-i', '-m', 'PKCS8', '-f', join(dir, 'card.pem')])).stdout.trim();
  const sshd = await startSshd({ version: '9.2', authorizedKeys: [line] });
  const relay = await startRelay({
    config: { listen: { host: '127.0.0.1', port: 0 }, targets: { allow: ['127.0.0.1:1024-65535'], allowPrivate: [] }, static: { dir: null }, limits: { pingIntervalMs: 0 } },
    log: () => undefined,
  });
  const ours: { total: number; card: number; turns: number }[] = [];
  const theirs: number[] = [];
  const theirTurns: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const device = new VirtualReader(READER_PROFILE);
      device.insertCard(provisioned.card);
      const [reader] = await CcidReader.open(device);
      const ccidCard = await reader!.connect(0);
      let cardMs = 0;
      const timed: ApduTransport = { transmit: async (c) => { const t = performance.now(); try { return await ccidCard.transmit(c); } finally { cardMs += performance.now() - t; } } };
      const token = await PivToken.open(timed, { extended: true });
      const key = (await token.readKey(0x9a))!;
      const session = await openCardSession(token, key, { gate: { mode: 'kiosk', anchors: [ca.certificate], revocation: { mode: 'off' } }, askPin: async () => '123456' });
      const methods = await cardAuthMethods(session, { order: ['publickey'] });
      cardMs = 0;
      const counter = { turns: 0 };
      const raw = await connectRelay(relay.url, sshd.host, sshd.port, { timeoutMs: 5000 });
      const t0 = performance.now(); // the WebSocket is open
      const stream = countingStream(raw, counter);
      const client = await connect(stream, { username: sshd.user, auth: { methods }, verifyHostKey: async () => undefined });
      const shell = await client.exec('echo ready');
      const r = shell.stdout.getReader();
      await r.read();
      const total = performance.now() - t0;
      ours.push({ total, card: cardMs, turns: counter.turns });
      await client.close().catch(() => undefined);
      raw.destroy();
      await reader!.close();
    }
    const pcsc = await startPcscd();
    const proxy = await countingProxy(sshd.port);
    try {
      await pcsc.insert(provisioned.card);
      const askpass = join(dir, 'askpass');
      writeFileSync(askpass, '#!/bin/sh\necho 123456\n');
      chmodSync(askpass, 0o700);
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        const r = await runTool('/usr/bin/ssh', ['-I', OPENSC_PKCS11, '-p', String(proxy.port), '-F', '/dev/null', '-o', 'StrictHostKeyChecking=no',
          '-o', 'UserKnownHostsFile=/dev/null', '-o', 'PreferredAuthentications=publickey', '-o', 'PasswordAuthentication=no',
          `${sshd.user}@127.0.0.1`, 'echo ready'], { env: { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' } });
        if (r.status !== 0 || !r.stdout.includes('ready')) throw new Error(`ssh -I failed: ${r.stderr}`);
        theirs.push(performance.now() - t0);
      }
      theirTurns.push(...proxy.turns);
    } finally {
      await proxy.close();
      await pcsc.stop();
    }
  } finally {
    await relay.close({ drainMs: 0 });
    await sshd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const total = median(ours.map((o) => o.total));
  const card = median(ours.map((o) => o.card));
  const ssh = median(theirs);
  console.log(`runs: ${RUNS} (medians)`);
  console.log(`Tessera (relay, WebSocket open → first shell output): ${total.toFixed(1)} ms, of which card APDUs ${card.toFixed(1)} ms; without the card ${(total - card).toFixed(1)} ms; round trips ${median(ours.map((o) => o.turns))}`);
  console.log(`OpenSSH ssh -I opensc-pkcs11.so (vpcd, direct TCP through a counting proxy, whole process): ${ssh.toFixed(1)} ms; round trips ${median(theirTurns)}`);
  console.log(`ratio OpenSSH / Tessera (total): ${(ssh / total).toFixed(2)}`);
}

await main();
