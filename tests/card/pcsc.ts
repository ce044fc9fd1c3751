// pcscd with vsmartcard's vpcd driver, started by the test on a free port, and a
// simulated card served to it: real PC/SC programs then see "Virtual PCD 00 00".
// pcscd has one fixed socket (/run/pcscd/pcscd.comm), so a lock keeps two suites apart.
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { requireExecutable, startOnFreePort, startPeer, PeerStartError, type Peer } from '../support/index.ts';
import { VpcdBridge, type VirtualCard } from '../../sim/index.ts';
import { runTool } from './run.ts';

export const OPENSC_PKCS11 = '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';
const VPCD_DRIVER = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';
const LOCK = '/tmp/tessera-pcscd.lock';
const PCSCD_SOCKET = '/run/pcscd/pcscd.comm';
/**
 * pcscd when vpcd cannot bind its port: ifd-vpcd.c IFDHCreateChannel "Could not initialize connection to virtual ICC",
 * vpcd.c opensock's perror. pcscd goes on without the reader.
 */
const VPCD_PORT_TAKEN = /Address already in use/;

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path, () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

export interface PcscHarness {
  readonly port: number;
  readonly pcscd: Peer;
  /** Serves `card` in the virtual reader (replacing any card there). */
  insert(card: VirtualCard): Promise<VpcdBridge>;
  /** Takes the card out of the reader. */
  eject(): Promise<void>;
  stop(): Promise<void>;
}

function lockHolderAlive(): boolean {
  try {
    const pid = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function acquireLock(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return;
    } catch {
      if (!lockHolderAlive() && existsSync(LOCK)) { rmSync(LOCK, { recursive: true, force: true }); continue; }
      if (Date.now() > deadline) throw new PeerStartError('another test holds pcscd (lock /tmp/tessera-pcscd.lock)');
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** A socket left by a pcscd that died (ours: we hold the lock) would stop the next one; another pcscd's is refused. */
async function clearStaleSocket(): Promise<void> {
  if (!existsSync(PCSCD_SOCKET)) return;
  if (await socketAnswers(PCSCD_SOCKET)) {
    throw new PeerStartError(`another pcscd (not started by this test) answers on ${PCSCD_SOCKET}; stop it before running the card fidelity tests`);
  }
  rmSync(PCSCD_SOCKET, { force: true });
}

export async function startPcscd(): Promise<PcscHarness> {
  const pcscdPath = requireExecutable('/usr/sbin/pcscd', 'Debian package pcscd');
  requireExecutable(VPCD_DRIVER, 'Debian package vsmartcard-vpcd');
  requireExecutable('/usr/bin/opensc-tool', 'Debian package opensc');
  await acquireLock(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-pcscd-'));
  let pcscd: Peer;
  let port: number;
  try {
    // vpcd listens on the port its reader.conf names: pcscd is started again with another if the one drawn was taken
    // before vpcd bound it, and is ready once its own pid holds that port (never a bridge connected to another process).
    ({ peer: pcscd, port } = await startOnFreePort({
      name: 'pcscd (vpcd)',
      portTaken: VPCD_PORT_TAKEN,
      async start(port) {
        await clearStaleSocket(); // before each attempt: a pcscd stopped after a taken port may have been killed
        // Same reader as Debian's /etc/reader.conf.d/vpcd, on a port of our own.
        writeFileSync(join(dir, 'vpcd'), `FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:${port}\nLIBPATH ${VPCD_DRIVER}\nCHANNELID ${port}\n`);
        return startPeer(pcscdPath, ['--foreground', '--config', dir, '--info']);
      },
    }));
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    rmSync(LOCK, { recursive: true, force: true });
    throw err;
  }
  let bridge: VpcdBridge | undefined;
  const harness: PcscHarness = {
    port,
    pcscd,
    async insert(card) {
      await harness.eject();
      let fail: () => void = () => undefined;
      const exited = new Promise<never>((_, reject) => {
        fail = () => reject(new PeerStartError(`pcscd exited:\n${pcscd.output()}`));
        if (pcscd.child.exitCode !== null || pcscd.child.signalCode !== null) fail();
        else pcscd.child.once('exit', fail);
      });
      exited.catch(() => undefined);
      try {
        bridge = await Promise.race([VpcdBridge.connect(card, { port, connectTimeoutMs: 15_000 }), exited]);
      } finally {
        pcscd.child.off('exit', fail); // one listener per insert would pile up on the long-lived pcscd
      }
      try {
        await bridge.waitForAtrRequest(15_000);
        // Let pcscd's reader thread notice the card and power it before tools connect.
        await waitForCard(true);
      } catch (err) {
        throw new PeerStartError(`${err instanceof Error ? err.message : String(err)}\npcscd (port ${port}) said:\n${pcscd.output()}`, { cause: err });
      }
      return bridge;
    },
    async eject() {
      if (bridge) { await bridge.close(); bridge = undefined; await waitForCard(false); }
    },
    async stop() {
      await harness.eject().catch(() => undefined);
      await pcscd.stop();
      rmSync(dir, { recursive: true, force: true });
      rmSync(LOCK, { recursive: true, force: true });
    },
  };
  return harness;
}

/** Polls PC/SC (through opensc-tool) until the reader reports the card present or absent. */
async function waitForCard(present: boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await runTool('opensc-tool', ['-l'], { timeoutMs: 5000 });
    const line = r.stdout.split('\n').find((l) => l.includes('Virtual PCD'));
    if (line && /\bYes\b/.test(line) === present) return;
    if (Date.now() > deadline) throw new PeerStartError(`the virtual reader did not report the card ${present ? 'inserted' : 'removed'}:\n${r.stdout}${r.stderr}`);
    await new Promise((r2) => setTimeout(r2, 100));
  }
}
