// Benchmark: smart-card login with the simulated PIV card, Tessera against OpenSSH with OpenSC, in the same run.
// Tessera: virtual CCID reader → ccid → card → identity (gate, PIN, signature) → ssh-proto through the relay to
// sshd 9.2. Its headline time is the whole login, as OpenSSH's is: from opening the reader (CCID, PIV select, the
// certificate read) through the relay's WebSocket to the first shell output; the time from WebSocket open is shown
// too, with the time spent in card APDUs (simulated card plus CCID) and the network round trips (a "turn" is a read
// after our last write). OpenSSH: `ssh -I opensc-pkcs11.so` with a card of the same profile served to pcscd through
// vpcd, to the same sshd through a loopback proxy that counts its round trips the same way (it cannot use the
// relay); its time is the whole process (start, PKCS#11 load and card enumeration included), which Tessera's page
// has loaded before a login. Runs alternate the two clients (which goes first alternates too); each has its own card
// (same profile and algorithm, both keys authorized), so neither inherits the other's card state.
// Run: npx tsx bench/login/login.ts [runs, default 5]
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
import { median } from '../ssh/stats.ts';

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
  const ours = await provisionPivCard({ ca, slots: [{ slot: 0x9a, algorithm: 'p-256' }] });
  const theirsCard = await provisionPivCard({ ca, slots: [{ slot: 0x9a, algorithm: 'p-256' }] });
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-login-'));
  const keyLine = async (spki: Uint8Array, name: string) => {
    const pem = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({ format: 'pem', type: 'spki' }) as string;
    writeFileSync(join(dir, name), pem);
    return (await runTool('/usr/bin/ssh-keygen', ['-i', '-m', 'PKCS8', '-f', join(dir, name)])).stdout.trim();
  };
  const lines = [await keyLine(ours.slots.get(0x9a)!.spki, 'ours.pem'), await keyLine(theirsCard.slots.get(0x9a)!.spki, 'theirs.pem')];
  const sshd = await startSshd({ version: '9.2', authorizedKeys: lines });
  const relay = await startRelay({
    config: { listen: { host: '127.0.0.1', port: 0 }, targets: { allow: ['127.0.0.1:1024-65535'], allowPrivate: [] }, static: { dir: null }, limits: { pingIntervalMs: 0 } },
    log: () => undefined,
  });
  const tessera: { whole: number; fromWs: number; card: number; turns: number }[] = [];
  const theirs: number[] = [];
  const pcsc = await startPcscd();
  const proxy = await countingProxy(sshd.port);
  try {
    await pcsc.insert(theirsCard.card);
    const askpass = join(dir, 'askpass');
    writeFileSync(askpass, '#!/bin/sh\necho 123456\n');
    chmodSync(askpass, 0o700);

    const runTessera = async () => {
      const t0 = performance.now(); // the reader is plugged in and the user clicks Connect
      const device = new VirtualReader(READER_PROFILE);
      device.insertCard(ours.card);
      const [reader] = await CcidReader.open(device);
      try {
        const ccidCard = await reader!.connect(0);
        let cardMs = 0;
        const timed: ApduTransport = { transmit: async (c) => { const t = performance.now(); try { return await ccidCard.transmit(c); } finally { cardMs += performance.now() - t; } } };
        const token = await PivToken.open(timed, { extended: true });
        const key = (await token.readKey(0x9a))!;
        const session = await openCardSession(token, key, { gate: { mode: 'kiosk', anchors: [ca.certificate], revocation: { mode: 'off' } }, askPin: async () => '123456' });
        const methods = await cardAuthMethods(session, { order: ['publickey'] });
        const counter = { turns: 0 };
        const raw = await connectRelay(relay.url, sshd.host, sshd.port, { timeoutMs: 5000 });
        const t1 = performance.now(); // the WebSocket is open
        const cardBefore = cardMs;
        const stream = countingStream(raw, counter);
        const client = await connect(stream, { username: sshd.user, auth: { methods }, verifyHostKey: async () => undefined });
        const shell = await client.exec('echo ready');
        const r = shell.stdout.getReader();
        const first = await r.read();
        const end = performance.now();
        if (first.done || !new TextDecoder().decode(first.value).includes('ready')) throw new Error('Tessera: no "ready" from the shell');
        tessera.push({ whole: end - t0, fromWs: end - t1, card: cardMs - cardBefore, turns: counter.turns });
        await client.close().catch(() => undefined);
        raw.destroy();
      } finally {
        await reader!.close();
      }
    };
    const runOpenSsh = async () => {
      const t0 = performance.now();
      const r = await runTool('/usr/bin/ssh', ['-I', OPENSC_PKCS11, '-p', String(proxy.port), '-F', '/dev/null', '-o', 'StrictHostKeyChecking=no',
        '-o', 'UserKnownHostsFile=/dev/null', '-o', 'PreferredAuthentications=publickey', '-o', 'PasswordAuthentication=no',
        `${sshd.user}@127.0.0.1`, 'echo ready'], { env: { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' } });
      if (r.status !== 0 || !r.stdout.includes('ready')) throw new Error(`ssh -I failed: ${r.stderr}`);
      theirs.push(performance.now() - t0);
    };
    for (let i = 0; i < RUNS; i++) {
      for (const run of i % 2 === 0 ? [runTessera, runOpenSsh] : [runOpenSsh, runTessera]) await run();
    }
  } finally {
    await proxy.close();
    await pcsc.stop();
    await relay.close({ drainMs: 0 });
    await sshd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const whole = median(tessera.map((o) => o.whole));
  const fromWs = median(tessera.map((o) => o.fromWs));
  const card = median(tessera.map((o) => o.card));
  const ssh = median(theirs);
  console.log(`runs: ${RUNS} each, alternating (medians)`);
  console.log(`Tessera, whole login (reader open → PIV select, certificate read → relay WebSocket → first shell output): ${whole.toFixed(1)} ms`);
  console.log(`  of which from WebSocket open: ${fromWs.toFixed(1)} ms, in it card APDUs ${card.toFixed(1)} ms (without the card ${(fromWs - card).toFixed(1)} ms); round trips ${median(tessera.map((o) => o.turns))}`);
  console.log(`OpenSSH ssh -I opensc-pkcs11.so (vpcd, direct TCP through a counting proxy, whole process): ${ssh.toFixed(1)} ms; round trips ${median(proxy.turns)}`);
  console.log(`ratio OpenSSH / Tessera (whole login): ${(ssh / whole).toFixed(2)}; from WebSocket open: ${(ssh / fromWs).toFixed(2)}`);
}

await main();
