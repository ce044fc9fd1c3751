// Handshake: connect + auth + `exec true`, median of 20 runs, Tessera vs the ssh2 npm client vs
// OpenSSH `ssh`, in the same run. Tessera is measured in-process (like ssh2) and as the
// `tessera ssh` command (a node process with tsx start-up, like `ssh` is a process).
//   node --import tsx bench/ssh/handshake.ts             (TESSERA_BENCH_RUNS=5 for a quick run)
import { openssh, ssh2, tesseraCli, tesseraExec } from './clients.ts';
import { benchSetup, median } from './setup.ts';

const RUNS = Number(process.env['TESSERA_BENCH_RUNS'] ?? 20);

const setup = await benchSetup();
try {
  const times: Record<string, number[]> = { tessera: [], 'tessera-cli': [], ssh2: [], openssh: [] };
  // Interleaved, so that load changes on the machine hit every client alike.
  for (let i = 0; i < RUNS; i++) {
    times['tessera']?.push((await tesseraExec(setup.target, 'true')).ms);
    times['tessera-cli']?.push((await tesseraCli(setup.target, 'true')).ms);
    times['ssh2']?.push((await ssh2(setup.target, 'true')).ms);
    times['openssh']?.push((await openssh(setup.target, 'true')).ms);
  }
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  console.log(`SSH handshake: connect + auth + exec true against OpenSSH 9.2 on loopback, median of ${RUNS} (ms)`);
  for (const [k, v] of Object.entries(m)) console.log(`  ${k.padEnd(12)} ${v.toFixed(1).padStart(8)}`);
  const o = m['openssh'] ?? 1;
  console.log(`  tessera/openssh ${((m['tessera'] ?? 0) / o).toFixed(2)}   tessera-cli/openssh ${((m['tessera-cli'] ?? 0) / o).toFixed(2)}   tessera/ssh2 ${((m['tessera'] ?? 0) / (m['ssh2'] ?? 1)).toFixed(2)}`);
} finally {
  await setup.stop();
}
