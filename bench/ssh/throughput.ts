// Throughput: `cat` of a 512 MiB file from sshd on loopback, per cipher, Tessera vs the ssh2 npm
// client vs OpenSSH `ssh`, in the same run. Prints MB/s and ratios.
//   node --import tsx bench/ssh/throughput.ts            (TESSERA_BENCH_MIB=64 for a quick run)
import { openSync, writeSync, closeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { openssh, ssh2, tesseraCli, tesseraExec, type ExecResult } from './clients.ts';
import { benchSetup } from './setup.ts';

const MIB = Number(process.env['TESSERA_BENCH_MIB'] ?? 512);
const CIPHERS = ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr'];

const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

const setup = await benchSetup();
try {
  const file = join(setup.dir, 'payload.bin');
  const fd = openSync(file, 'w', 0o644);
  const block = randomBytes(1 << 20);
  for (let i = 0; i < MIB; i++) writeSync(fd, block);
  closeSync(fd);
  const command = `cat ${file}`;
  const expected = MIB * (1 << 20);
  const check = <R extends ExecResult>(name: string, r: R): R => {
    if (r.bytes !== expected) throw new Error(`${name}: ${r.bytes} bytes instead of ${expected}`);
    return r;
  };

  console.log(`SSH throughput: cat of ${MIB} MiB from OpenSSH 9.2 on loopback (MB/s; whole connection incl. handshake)`);
  console.log('cipher                          tessera  tessera-xfer  tessera-cli     ssh2  openssh   tessera/ssh2  tessera/openssh');
  for (const cipher of CIPHERS) {
    const t = check('tessera', await tesseraExec(setup.target, command, cipher));
    const cli = check('tessera ssh', await tesseraCli(setup.target, command, cipher));
    const s2 = check('ssh2', await ssh2(setup.target, command, cipher));
    const os = check('openssh', await openssh(setup.target, command, cipher));
    const ours = mbps(t.bytes, t.ms);
    console.log([
      cipher.padEnd(30),
      ours.toFixed(0).padStart(8),
      mbps(t.bytes, t.transferMs).toFixed(0).padStart(13),
      mbps(cli.bytes, cli.ms).toFixed(0).padStart(12),
      mbps(s2.bytes, s2.ms).toFixed(0).padStart(8),
      mbps(os.bytes, os.ms).toFixed(0).padStart(8),
      (ours / mbps(s2.bytes, s2.ms)).toFixed(2).padStart(14),
      (ours / mbps(os.bytes, os.ms)).toFixed(2).padStart(16),
    ].join(' '));
  }
} finally {
  await setup.stop();
}
