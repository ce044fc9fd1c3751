// Throughput: `cat` of a 512 MiB file from sshd on loopback, per cipher, Tessera vs the ssh2 npm
// client vs OpenSSH `ssh`, in the same run. Prints MB/s and ratios, and each client's MB per CPU-second (on a
// shared machine wall-clock figures swing with the load; CPU per byte much less).
// Tessera runs in-process on both crypto backends (web: WebCrypto + libsodium, the page's; node: node:crypto) and
// as the `tessera ssh` command (node:crypto), whose output goes through a pipe like OpenSSH's. ssh2 runs in-process
// and as a command (ssh2-command.mjs, output through the same pipe): `cli/cmd` compares like with like. Both commands
// run in a stock Node environment (clients.ts, STOCK_NODE_ENV).
//   node --import tsx bench/ssh/throughput.ts    (TESSERA_BENCH_MIB=64 for a quick run, TESSERA_BENCH_ROUNDS=3 to repeat)
import { BACKENDS, openssh, ssh2, ssh2Command, tesseraCli, tesseraExec, type ExecResult } from './clients.ts';
import { benchSetup, writePayload } from './setup.ts';
import { median, ratioSummary } from './stats.ts';

const MIB = Number(process.env['TESSERA_BENCH_MIB'] ?? 512);
const CIPHERS = ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr'];

const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

const setup = await benchSetup();
try {
  const file = writePayload(setup, 'payload.bin', MIB);
  const command = `cat ${file}`;
  const expected = MIB * (1 << 20);
  const check = <R extends ExecResult>(name: string, r: R): R => {
    if (r.bytes !== expected) throw new Error(`${name}: ${r.bytes} bytes instead of ${expected}`);
    return r;
  };

  const rounds = Number(process.env['TESSERA_BENCH_ROUNDS'] ?? 1);
  console.log(`SSH throughput: cat of ${MIB} MiB from OpenSSH 9.2 on loopback; the processes write into \`wc -c\``);
  console.log('MB/s over the whole connection (handshake included); in-web / in-node: Tessera in-process on each crypto backend;');
  console.log('cli: the tessera ssh command (node:crypto); ssh2: in-process; ssh2-cmd: ssh2 as a command (bench/ssh/ssh2-command.mjs), like cli;');
  console.log('cpu: MB per client CPU-second');
  const widths = [8, 9, 8, 8, 10, 9, 10, 10, 13, 11, 12, 9, 8, 8, 10, 9];
  const row = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i] ?? 9)).join('');
  console.log('cipher'.padEnd(30) + row(['in-web', 'in-node', 'cli', 'ssh2', 'ssh2-cmd', 'openssh', 'cli/ssh2', 'cli/cmd', 'cli/openssh', 'node/ssh2', 'cpu:in-web', 'in-node', 'cli', 'ssh2', 'ssh2-cmd', 'openssh']));
  const perCpu = (r: ExecResult) => (r.cpuMs ? r.bytes / 1e6 / (r.cpuMs / 1000) : NaN);
  /** Per cipher, per round: tessera ssh against ssh2 as a command and OpenSSH, and both commands' MB per CPU-second. */
  const summary = new Map<string, { cmd: number[]; openssh: number[]; cpuCli: number[]; cpuCmd: number[] }>();
  for (let round = 0; round < rounds; round++) {
    for (const cipher of CIPHERS) {
      const web = check('tessera (web)', await tesseraExec(setup.target, command, cipher, BACKENDS.web));
      const node = check('tessera (node)', await tesseraExec(setup.target, command, cipher, BACKENDS.node));
      const cli = check('tessera ssh', await tesseraCli(setup.target, command, cipher, true));
      const s2 = check('ssh2', await ssh2(setup.target, command, cipher));
      const s2c = check('ssh2 command', await ssh2Command(setup.target, command, cipher, true));
      const os = check('openssh', await openssh(setup.target, command, cipher, true));
      const [inWeb, inNode, ourCli, theirs, theirCmd, openSsh] = [web, node, cli, s2, s2c, os].map((r) => mbps(r.bytes, r.ms)) as [number, number, number, number, number, number];
      console.log(cipher.padEnd(30) + row([
        ...[inWeb, inNode, ourCli, theirs, theirCmd, openSsh].map((v) => v.toFixed(0)),
        ...[ourCli / theirs, ourCli / theirCmd, ourCli / openSsh, inNode / theirs].map((v) => v.toFixed(2)),
        ...[web, node, cli, s2, s2c, os].map((r) => perCpu(r).toFixed(0)),
      ]));
      const sum = summary.get(cipher) ?? { cmd: [], openssh: [], cpuCli: [], cpuCmd: [] };
      sum.cmd.push(ourCli / theirCmd);
      sum.openssh.push(ourCli / openSsh);
      sum.cpuCli.push(perCpu(cli));
      sum.cpuCmd.push(perCpu(s2c));
      summary.set(cipher, sum);
    }
  }
  // Rounds swing by ±10% or more on a shared machine: quote the medians, and the mean's interval to tell clients apart.
  console.log(`over ${rounds} round(s): tessera ssh / ssh2 as a command and / OpenSSH (median, geometric mean [±2 standard errors]); median MB per CPU-second (tessera ssh, ssh2 as a command)`);
  for (const [cipher, s] of summary) {
    console.log(`${cipher.padEnd(30)} cli/cmd ${ratioSummary(s.cmd)}  cli/openssh ${ratioSummary(s.openssh)}  cpu ${median(s.cpuCli).toFixed(0)} vs ${median(s.cpuCmd).toFixed(0)}`);
  }
} finally {
  await setup.stop();
}
