// Handshake: connect + auth + `exec true`, median of 20 runs, Tessera vs the ssh2 npm client vs
// OpenSSH `ssh`, in the same run. Tessera is measured in-process (like ssh2) on both crypto backends (web:
// WebCrypto + libsodium, the page's; node: node:crypto) and as the `tessera ssh` command (a node process started
// from the prebuilt bundle, on node:crypto, like `ssh` is a process). ssh2 also runs as a command (ssh2-command.mjs):
// what Node's own start and exit cost any client written for it.
// Also prints each client's median CPU time (user + system): on a shared machine wall-clock time swings
// with the load, CPU time much less. The Node clients run in a stock environment (clients.ts, STOCK_NODE_ENV);
// `tessera-cli-env` is `tessera ssh` again in this machine's own, which costs every Node start a CA bundle.
// Each client runs with its own default algorithms; the lines under the table name what sshd logged for each (the
// key exchange is the same curve25519 for all; the ciphers differ, over a few packets). TESSERA_BENCH_CIPHER=NAME
// makes every client ask for that cipher (and checks sshd agreed). The clients' order rotates from one run to the next.
//   npx tsx bench/ssh/handshake.ts             (TESSERA_BENCH_RUNS=5 for a quick run)
import type { ExecResult } from './clients.ts';
import { BACKENDS, openssh, ssh2, ssh2Command, tesseraCli, tesseraExec } from './clients.ts';
import { benchSetup } from './setup.ts';
import type { Negotiated } from './negotiated.ts';
import { median, rotated } from './stats.ts';

const RUNS = Number(process.env['TESSERA_BENCH_RUNS'] ?? 20);
const CIPHER = process.env['TESSERA_BENCH_CIPHER'] || undefined;

const setup = await benchSetup();
try {
  const clients: Record<string, () => Promise<ExecResult>> = {
    tessera: () => tesseraExec(setup.target, 'true', CIPHER, BACKENDS.web),
    'tessera-node': () => tesseraExec(setup.target, 'true', CIPHER, BACKENDS.node),
    'tessera-cli': () => tesseraCli(setup.target, 'true', CIPHER, true),
    'tessera-cli-env': () => tesseraCli(setup.target, 'true', CIPHER, true, process.env),
    ssh2: () => ssh2(setup.target, 'true', CIPHER),
    'ssh2-cmd': () => ssh2Command(setup.target, 'true', CIPHER, true),
    openssh: () => openssh(setup.target, 'true', CIPHER, true),
  };
  const times: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  const algorithms = new Map<string, Set<string>>();
  const describe = (n: Negotiated) => `${n.kex}, ${n.hostKey}, ${n.cipher}${n.mac === '<implicit>' ? '' : ` + ${n.mac}`}`;
  // Interleaved, so that load changes on the machine hit every client alike, in an order that rotates.
  const names = Object.keys(clients);
  await setup.negotiated();
  for (let i = 0; i < RUNS; i++) {
    for (const name of rotated(names, i)) {
      const r = await clients[name]!();
      if (r.code !== 0) throw new Error(`${name}: exec true exited ${r.code}`);
      (times[name] ??= []).push(r.ms);
      if (r.cpuMs !== undefined) (cpu[name] ??= []).push(r.cpuMs);
      const seen = CIPHER ? [await setup.expectCipher(name, CIPHER)] : await setup.negotiated(1);
      if (seen.length !== 1) throw new Error(`${name}: sshd logged ${seen.length} key exchanges for one connection`);
      const set = algorithms.get(name) ?? new Set<string>();
      set.add(describe(seen[0]!));
      algorithms.set(name, set);
    }
  }
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  console.log(`SSH handshake: connect + auth + exec true against OpenSSH 9.2 on loopback, median of ${RUNS} (ms; client CPU ms); ${CIPHER ? `every client asked for ${CIPHER}` : "each client's default cipher"}`);
  const extraCa = process.env['NODE_EXTRA_CA_CERTS'];
  console.log(`  Node clients run without NODE_EXTRA_CA_CERTS and NODE_OPTIONS (a stock machine's); tessera-cli-env keeps this machine's${extraCa ? ` (NODE_EXTRA_CA_CERTS=${extraCa})` : ''}`);
  for (const [k, v] of Object.entries(m)) console.log(`  ${k.padEnd(15)} ${v.toFixed(1).padStart(8)}   cpu ${median(cpu[k] ?? []).toFixed(1).padStart(7)}`);
  const o = m['openssh'] ?? 1;
  for (const [k, v] of algorithms) console.log(`  ${k.padEnd(15)} negotiated ${[...v].join('; ')}`);
  console.log(`  tessera/openssh ${((m['tessera'] ?? 0) / o).toFixed(2)}   tessera-node/openssh ${((m['tessera-node'] ?? 0) / o).toFixed(2)}   tessera-cli/openssh ${((m['tessera-cli'] ?? 0) / o).toFixed(2)}   tessera-cli-env/openssh ${((m['tessera-cli-env'] ?? 0) / o).toFixed(2)}   ssh2-cmd/openssh ${((m['ssh2-cmd'] ?? 0) / o).toFixed(2)}   tessera/ssh2 ${((m['tessera'] ?? 0) / (m['ssh2'] ?? 1)).toFixed(2)}`);
} finally {
  await setup.stop();
}
