// Upload throughput: a file of 256 MiB on the client's stdin (`client < file`) into a remote command on sshd on
// loopback, per cipher: the `tessera ssh` command vs the ssh2 npm client as a command (ssh2-command.mjs) vs OpenSSH
// `ssh`, in the same run. The remote command checks the byte count (`test "$(wc -c)" -eq N`), so a short upload
// fails the run. Prints MB/s (handshake included), the ratios, and each client's MB per CPU-second. After each
// client sshd's log must show the cipher (and MAC) it asked for (setup.ts, expectCipher); the clients' order rotates
// from one cipher and round to the next.
//   npx tsx bench/ssh/upload.ts
//   env: TESSERA_BENCH_MIB=64 for a quick run, TESSERA_BENCH_ROUNDS=3 to repeat (the summary's interval needs 2 or
//   more), TESSERA_BENCH_CIPHERS=aes128-gcm@openssh.com,... to choose the ciphers
import { openssh, ssh2Command, STOCK_NODE_ENV, tesseraCli, type ExecResult } from './clients.ts';
import { benchSetup, writePayload } from './setup.ts';
import { ratioSummary, rotated } from './stats.ts';

const MIB = Number(process.env['TESSERA_BENCH_MIB'] ?? 256);
const ROUNDS = Number(process.env['TESSERA_BENCH_ROUNDS'] ?? 1);
const CIPHERS = process.env['TESSERA_BENCH_CIPHERS']?.split(',').filter(Boolean)
  ?? ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr'];

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
  console.log('cipher'.padEnd(30) + row(['cli', 'ssh2-cmd', 'openssh', 'cli/cmd', 'cli/ossh', 'cpu:cli', 'ssh2-cmd', 'openssh']) + '  order');
  const clients = {
    cli: (cipher: string) => tesseraCli(setup.target, command, cipher, true, STOCK_NODE_ENV, file),
    'ssh2-cmd': (cipher: string) => ssh2Command(setup.target, command, cipher, true, file),
    openssh: (cipher: string) => openssh(setup.target, command, cipher, true, file),
  } satisfies Record<string, (cipher: string) => Promise<ExecResult>>;
  type Name = keyof typeof clients;
  const names = Object.keys(clients) as Name[];
  const summary = new Map<string, { cmd: number[]; openssh: number[] }>();
  let turn = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const cipher of CIPHERS) {
      const order = rotated(names, turn++);
      const got = {} as Record<Name, ExecResult>;
      for (const name of order) {
        got[name] = await clients[name](cipher);
        await setup.expectCipher(name, cipher);
      }
      const { cli, 'ssh2-cmd': cmd, openssh: ossh } = got;
      console.log(cipher.padEnd(30) + row([
        ...[cli, cmd, ossh].map((r) => mbps(r).toFixed(0)),
        (mbps(cli) / mbps(cmd)).toFixed(2), (mbps(cli) / mbps(ossh)).toFixed(2),
        ...[cli, cmd, ossh].map((r) => perCpu(r).toFixed(0)),
      ]) + `  ${order.join(',')}`);
      const s = summary.get(cipher) ?? { cmd: [], openssh: [] };
      s.cmd.push(mbps(cli) / mbps(cmd));
      s.openssh.push(mbps(cli) / mbps(ossh));
      summary.set(cipher, s);
    }
  }
  console.log(`over ${ROUNDS} round(s): tessera ssh / ssh2 as a command and / OpenSSH (median, geometric mean [±2 standard errors]); sshd's log showed the cipher asked for after every client`);
  for (const [cipher, s] of summary) console.log(`${cipher.padEnd(30)} cli/cmd ${ratioSummary(s.cmd)}  cli/openssh ${ratioSummary(s.openssh)}`);
} finally {
  await setup.stop();
}
