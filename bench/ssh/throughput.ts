// Throughput: `cat` of a 512 MiB file from sshd on loopback, per cipher, Tessera vs the ssh2 npm
// client vs OpenSSH `ssh`, in the same run. Prints MB/s and ratios, and each client's MB per CPU-second (on a
// shared machine wall-clock figures swing with the load; CPU per byte much less).
// Tessera runs in-process on both crypto backends (web: WebCrypto + libsodium, the page's; node: node:crypto) and
// as the `tessera ssh` command (node:crypto), whose output goes through a pipe like OpenSSH's. ssh2 runs in-process
// and as a command (ssh2-command.mjs, output through the same pipe): `cli/cmd` compares like with like. Both commands
// run in a stock Node environment (clients.ts, STOCK_NODE_ENV).
// Every client reads all the bytes (a short count fails the run), and after each one sshd's log must show the cipher
// (and MAC) it asked for (setup.ts, expectCipher). The clients' order rotates from one cipher and round to the next.
//   npx tsx bench/ssh/throughput.ts
//   env: TESSERA_BENCH_MIB=64 for a quick run, TESSERA_BENCH_ROUNDS=3 to repeat (the summary's interval needs 2 or
//   more), TESSERA_BENCH_CIPHERS=chacha20-poly1305@openssh.com,aes128-gcm@openssh.com to choose the ciphers,
//   TESSERA_BENCH_PIN=1 to give sshd (and `cat`) one core and the clients the other (setup.ts, pinServer)
import { BACKENDS, openssh, ssh2, ssh2Command, tesseraCli, tesseraExec, type ExecResult } from './clients.ts';
import { benchSetup, writePayload } from './setup.ts';
import { median, ratioSummary, rotated } from './stats.ts';

const MIB = Number(process.env['TESSERA_BENCH_MIB'] ?? 512);
const CIPHERS = process.env['TESSERA_BENCH_CIPHERS']?.split(',').filter(Boolean)
  ?? ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr'];

const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

const setup = await benchSetup();
try {
  const file = writePayload(setup, 'payload.bin', MIB);
  const command = `cat ${file}`;
  const expected = MIB * (1 << 20);

  const rounds = Number(process.env['TESSERA_BENCH_ROUNDS'] ?? 1);
  console.log(`SSH throughput: cat of ${MIB} MiB from OpenSSH 9.2 on loopback; the processes write into \`wc -c\`; ${rounds} round(s)`);
  console.log('MB/s over the whole connection (handshake included); in-web / in-node: Tessera in-process on each crypto backend;');
  console.log('cli: the tessera ssh command (node:crypto); ssh2: in-process; ssh2-cmd: ssh2 as a command (bench/ssh/ssh2-command.mjs), like cli;');
  console.log('cpu: MB per client CPU-second; order: the order the clients ran in');
  const widths = [8, 9, 8, 8, 10, 9, 10, 10, 13, 11, 12, 9, 8, 8, 10, 9];
  const row = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i] ?? 9)).join('');
  console.log('cipher'.padEnd(30) + row(['in-web', 'in-node', 'cli', 'ssh2', 'ssh2-cmd', 'openssh', 'cli/ssh2', 'cli/cmd', 'cli/openssh', 'node/ssh2', 'cpu:in-web', 'in-node', 'cli', 'ssh2', 'ssh2-cmd', 'openssh']) + '  order');
  const perCpu = (r: ExecResult) => (r.cpuMs ? r.bytes / 1e6 / (r.cpuMs / 1000) : NaN);
  const clients = {
    'in-web': (cipher: string) => tesseraExec(setup.target, command, cipher, BACKENDS.web),
    'in-node': (cipher: string) => tesseraExec(setup.target, command, cipher, BACKENDS.node),
    cli: (cipher: string) => tesseraCli(setup.target, command, cipher, true),
    ssh2: (cipher: string) => ssh2(setup.target, command, cipher),
    'ssh2-cmd': (cipher: string) => ssh2Command(setup.target, command, cipher, true),
    openssh: (cipher: string) => openssh(setup.target, command, cipher, true),
  } satisfies Record<string, (cipher: string) => Promise<ExecResult>>;
  type Name = keyof typeof clients;
  const names = Object.keys(clients) as Name[];
  /** Per cipher, per round: tessera ssh against ssh2 as a command and OpenSSH, and both commands' MB per CPU-second. */
  const summary = new Map<string, { cmd: number[]; openssh: number[]; cpuCli: number[]; cpuCmd: number[] }>();
  let turn = 0;
  for (let round = 0; round < rounds; round++) {
    for (const cipher of CIPHERS) {
      const order = rotated(names, turn++);
      const got = {} as Record<Name, ExecResult>;
      for (const name of order) {
        const r = await clients[name](cipher);
        if (r.bytes !== expected) throw new Error(`${name} (${cipher}): ${r.bytes} bytes instead of ${expected}`);
        await setup.expectCipher(name, cipher);
        got[name] = r;
      }
      const rate = (n: Name) => mbps(got[n].bytes, got[n].ms);
      console.log(cipher.padEnd(30) + row([
        ...names.map((n) => rate(n).toFixed(0)),
        ...[rate('cli') / rate('ssh2'), rate('cli') / rate('ssh2-cmd'), rate('cli') / rate('openssh'), rate('in-node') / rate('ssh2')].map((v) => v.toFixed(2)),
        ...names.map((n) => perCpu(got[n]).toFixed(0)),
      ]) + `  ${order.join(',')}`);
      const sum = summary.get(cipher) ?? { cmd: [], openssh: [], cpuCli: [], cpuCmd: [] };
      sum.cmd.push(rate('cli') / rate('ssh2-cmd'));
      sum.openssh.push(rate('cli') / rate('openssh'));
      sum.cpuCli.push(perCpu(got.cli));
      sum.cpuCmd.push(perCpu(got['ssh2-cmd']));
      summary.set(cipher, sum);
    }
  }
  // Rounds swing by ±10% or more on a shared machine: quote the medians, and the mean's interval to tell clients apart.
  console.log(`over ${rounds} round(s): tessera ssh / ssh2 as a command and / OpenSSH (median, geometric mean [±2 standard errors]); median MB per CPU-second (tessera ssh, ssh2 as a command); sshd's log showed the cipher asked for after every client`);
  for (const [cipher, s] of summary) {
    console.log(`${cipher.padEnd(30)} cli/cmd ${ratioSummary(s.cmd)}  cli/openssh ${ratioSummary(s.openssh)}  cpu ${median(s.cpuCli).toFixed(0)} vs ${median(s.cpuCmd).toFixed(0)}`);
  }
} finally {
  await setup.stop();
}
