// Upload throughput: a file of 256 MiB on the client's stdin (`client < file`) into a remote command on sshd on
// loopback, per cipher: the `tessera ssh` command vs the ssh2 npm client as a command (ssh2-command.mjs) vs OpenSSH
// `ssh`, in the same run. The remote command checks the byte count (`test "$(wc -c)" -eq N`), so a short upload
// fails the run. Prints MB/s (handshake included), the ratios, and each client's MB per CPU-second.
//   node --import tsx bench/ssh/upload.ts    (TESSERA_BENCH_MIB=64 for a quick run, TESSERA_BENCH_ROUNDS=3 to repeat)
import { openssh, ssh2Command, STOCK_NODE_ENV, tesseraCli, type ExecResult } from './clients.ts';
import { benchSetup, writePayload } from './setup.ts';
import { ratioSummary } from './stats.ts';

const MIB = Number(process.env['TESSERA_BENCH_MIB'] ?? 256);
const ROUNDS = Number(process.env['TESSERA_BENCH_ROUNDS'] ?? 1);
const CIPHERS = ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr'];

const setup = await benchSetup();
try {
  const file = writePayload(setup, 'upload.bin', MIB);
  const bytes = MIB * (1 << 20);
  const command = `test "$(wc -c)" -eq ${bytes}`; // exits 1 (and the client with it) on a short upload
  const mbps = (r: ExecResult) => bytes / 1e6 / (r.ms / 1000);
  const perCpu = (r: ExecResult) => (r.cpuMs ? bytes / 1e6 / (r.cpuMs / 1000) : NaN);

  console.log(`SSH upload: ${MIB} MiB from a file on the client's stdin into OpenSSH 9.2 on loopback (the remote command counts it)`);
  console.log('MB/s over the whole connection (handshake included); cli: tessera ssh; ssh2-cmd: ssh2 as a command; cpu: MB per client CPU-second');
  const row = (cells: string[]) => cells.map((c) => c.padStart(10)).join('');
  console.log('cipher'.padEnd(30) + row(['cli', 'ssh2-cmd', 'openssh', 'cli/cmd', 'cli/ossh', 'cpu:cli', 'ssh2-cmd', 'openssh']));
  const summary = new Map<string, { cmd: number[]; openssh: number[] }>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const cipher of CIPHERS) {
      const cli = await tesseraCli(setup.target, command, cipher, true, STOCK_NODE_ENV, file);
      const cmd = await ssh2Command(setup.target, command, cipher, true, file);
      const ossh = await openssh(setup.target, command, cipher, true, file);
      console.log(cipher.padEnd(30) + row([
        ...[cli, cmd, ossh].map((r) => mbps(r).toFixed(0)),
        (mbps(cli) / mbps(cmd)).toFixed(2), (mbps(cli) / mbps(ossh)).toFixed(2),
        ...[cli, cmd, ossh].map((r) => perCpu(r).toFixed(0)),
      ]));
      const s = summary.get(cipher) ?? { cmd: [], openssh: [] };
      s.cmd.push(mbps(cli) / mbps(cmd));
      s.openssh.push(mbps(cli) / mbps(ossh));
      summary.set(cipher, s);
    }
  }
  console.log(`over ${ROUNDS} round(s): tessera ssh / ssh2 as a command and / OpenSSH (median, geometric mean [±2 standard errors])`);
  for (const [cipher, s] of summary) console.log(`${cipher.padEnd(30)} cli/cmd ${ratioSummary(s.cmd)}  cli/openssh ${ratioSummary(s.openssh)}`);
} finally {
  await setup.stop();
}
