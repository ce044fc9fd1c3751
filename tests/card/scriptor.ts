// An ApduTransport through real PC/SC: pcsc-tools' scriptor (SCardTransmit on the
// reader) as a pipe, so Tessera's APDU stream goes through pcscd and vpcd unchanged.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { requireExecutable } from '../support/index.ts';

export class ScriptorTransport {
  private readonly child: ChildProcessWithoutNullStreams;
  private out = '';
  private waiter: (() => void) | undefined;
  private exited = false;

  constructor(reader = 'Virtual PCD 00 00') {
    const bin = requireExecutable('/usr/bin/scriptor', 'Debian package pcsc-tools');
    // scriptor is Perl: unbuffer its STDOUT, or answers would wait in a pipe buffer.
    this.child = spawn('/usr/bin/perl', ['-MIO::Handle', '-e', 'STDOUT->autoflush(1); $0 = shift; do $0; die $@ if $@', bin, '-r', reader], { stdio: ['pipe', 'pipe', 'pipe'] });
    const onData = (d: Buffer) => { this.out += d.toString('latin1'); this.waiter?.(); };
    this.child.stdout.on('data', onData);
    this.child.stderr.on('data', onData);
    this.child.once('exit', () => { this.exited = true; this.waiter?.(); });
    // A write after scriptor exited fails with EPIPE; transmit() reports the exit itself.
    this.child.stdin.on('error', () => undefined);
  }

  /** scriptor prints "< HEX ... : Description." once the card answered. */
  async transmit(command: Uint8Array): Promise<Uint8Array> {
    this.out = this.out.slice(this.out.lastIndexOf('\n') + 1);
    this.child.stdin.write(`${Buffer.from(command).toString('hex')}\n`);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const m = /^< ([0-9A-F \n]+?) : [^\n]*\n/m.exec(this.out);
      if (m) {
        this.out = this.out.slice(m.index + m[0].length);
        return Uint8Array.from(Buffer.from(m[1]!.replace(/[\s]/g, ''), 'hex'));
      }
      if (this.exited) throw new Error(`scriptor exited: ${this.out}`);
      if (Date.now() > deadline) throw new Error(`scriptor gave no answer: ${this.out}`);
      await new Promise<void>((resolve) => { const t = setTimeout(resolve, 1000); this.waiter = () => { clearTimeout(t); resolve(); }; });
      this.waiter = undefined;
    }
  }

  async close(): Promise<void> {
    if (this.exited || this.child.pid === undefined) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    const t = setTimeout(() => { if (this.child.pid !== undefined) try { process.kill(this.child.pid, 'SIGKILL'); } catch { /* gone */ } }, 3000);
    await done;
    clearTimeout(t);
  }
}
