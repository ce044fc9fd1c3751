// Benchmark: APDUs and bytes for "select + read the authentication certificate + verify
// PIN + sign" on the same simulated PIV card, counted at the simulator. Both talk to the
// card through pcscd + vpcd: Tessera's PIV client over PC/SC (scriptor as the pipe),
// OpenSC through pkcs11-tool --login --sign.
// Tessera's headline count is its login as shipped (cli/card-login.ts, the page's card wiring): scan the card's
// keys (PivToken.scanKeys: Key History, main and retired slots), open the card session on 9A (identity/: the
// slot's public key from GET METADATA on a YubiKey 5.3+, the pre-sign gate, the PIN) and sign, the same task
// pkcs11-tool does with its own enumeration. The least the task needs (9A's certificate only, no metadata) is
// printed beside it.
// Run: npx tsx bench/card/apdu-count.ts
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PivToken } from '../../card/index.ts';
import { openCardSession } from '../../identity/index.ts';
import { provisionPivCard, createTestCa, type PivCard, type TestCa } from '../../sim/index.ts';
import { OPENSC_PKCS11, startPcscd } from '../../tests/card/pcsc.ts';
import { runTool } from '../../tests/card/run.ts';
import { ScriptorTransport } from '../../tests/card/scriptor.ts';

interface Count { apdus: number; bytes: number }

function count(card: PivCard, from: number): Count {
  const entries = card.log.slice(from);
  return { apdus: entries.length, bytes: entries.reduce((n, e) => n + e.command.length + e.response.length, 0) };
}

/** The least the task needs: select, 9A's certificate (no metadata), VERIFY, sign. */
async function minimal(card: PivCard, extended: boolean): Promise<Count> {
  const transport = new ScriptorTransport();
  try {
    const from = card.log.length;
    const token = await PivToken.open(transport, { extended });
    const key = await token.readKey(0x9a, { metadata: false });
    if (!key?.certificate) throw new Error('no certificate in 9A');
    await token.verifyPin('123456');
    await key.sign(new TextEncoder().encode('benchmark data'), 'SHA-256');
    return count(card, from);
  } finally {
    await transport.close();
  }
}

/** Tessera's login as shipped (cli/card-login.ts): scan the keys, a card session on 9A (gate, PIN), one SSH signature. */
async function login(card: PivCard, extended: boolean, ca: TestCa): Promise<Count> {
  const transport = new ScriptorTransport();
  try {
    const from = card.log.length;
    const token = await PivToken.open(transport, { extended });
    const { keys } = await token.scanKeys();
    const key = keys.find((k) => k.id === 'piv:9a' && k.certificate);
    if (!key) throw new Error('no key with a certificate in 9A');
    const session = await openCardSession(token, key, { gate: { mode: 'kiosk', anchors: [ca.certificate], revocation: { mode: 'off' } }, askPin: async () => '123456' });
    await session.sign('rsa-sha2-256', new TextEncoder().encode('benchmark data'));
    return count(card, from);
  } finally {
    await transport.close();
  }
}

async function main(): Promise<void> {
  const ca = await createTestCa();
  const pcsc = await startPcscd();
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-card-'));
  writeFileSync(join(dir, 'data'), 'benchmark data');
  const rows: string[] = [];
  try {
    for (const profile of ['yubikey5', 'generic'] as const) {
      const { card } = await provisionPivCard({ profile, ca, slots: [{ slot: 0x9a, algorithm: 'rsa-2048' }, { slot: 0x9e, algorithm: 'p-256' }] });
      await pcsc.insert(card);
      const least = await minimal(card, profile === 'yubikey5');
      card.reset();
      const ours = await login(card, profile === 'yubikey5', ca);
      card.reset();
      const from = card.log.length;
      const r = await runTool('pkcs11-tool', ['--module', OPENSC_PKCS11, '--login', '--pin', '123456', '--sign', '--id', '01',
        '-m', 'SHA256-RSA-PKCS', '--input-file', join(dir, 'data'), '--output-file', join(dir, 'sig')]);
      if (r.status !== 0) throw new Error(`pkcs11-tool failed: ${r.stderr}`);
      const opensc = count(card, from);
      await pcsc.eject();
      const mode = profile === 'yubikey5' ? 'YubiKey 5 profile, extended APDUs' : 'generic PIV, short APDUs';
      rows.push(`${mode.padEnd(36)} Tessera ${String(ours.apdus).padStart(3)} APDUs ${String(ours.bytes).padStart(6)} B | OpenSC ${String(opensc.apdus).padStart(3)} APDUs ${String(opensc.bytes).padStart(6)} B | APDU ratio ${(ours.apdus / opensc.apdus).toFixed(2)} (target <= 0.50) | the least the task needs: ${least.apdus} APDUs ${least.bytes} B`);
    }
  } finally {
    await pcsc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`select + read 9A certificate + verify PIN + RSA-2048 sign, counted at the simulated card; Tessera: its login as shipped (scan the keys, card session, SSH signature)\n${rows.join('\n')}\n`);
}

await main();
