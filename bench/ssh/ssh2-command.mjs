// The ssh2 npm client as a command, the counterpart of `tessera ssh` in bench/ssh/throughput.ts: a process that
// connects, runs one command, copies its own stdin to the command and the command's stdout to its own (into the same
// `wc -c` as `ssh` and `tessera ssh`), exiting with the remote status. Plain JavaScript, so that no TypeScript loader slows its start.
//   node bench/ssh/ssh2-command.mjs HOST PORT USER KEYFILE HOSTKEY-BASE64 CIPHER|- COMMAND
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import process from 'node:process';
import ssh2 from 'ssh2';

const [host, port, username, keyFile, hostKey, cipher, command] = process.argv.slice(2);
if (!command) {
  process.stderr.write('usage: ssh2-command.mjs HOST PORT USER KEYFILE HOSTKEY-BASE64 CIPHER|- COMMAND\n');
  process.exit(2);
}
const expected = Buffer.from(hostKey, 'base64');
const client = new ssh2.Client();
client.on('ready', () => {
  client.exec(command, (err, stream) => {
    if (err) { process.stderr.write(`ssh2: ${err.message}\n`); process.exit(255); }
    stream.stderr.pipe(process.stderr);
    stream.pipe(process.stdout);
    process.stdin.pipe(stream); // as ssh and tessera ssh forward theirs (bench/ssh/upload.ts)
    let code = 255;
    stream.on('exit', (c) => { code = c ?? 255; });
    stream.on('close', () => { client.end(); process.exitCode = code; });
  });
});
client.on('error', (err) => { process.stderr.write(`ssh2: ${err.message}\n`); process.exit(255); });
client.connect({
  host, port: Number(port), username, privateKey: readFileSync(keyFile),
  hostVerifier: (key) => key.equals(expected),
  ...(cipher !== '-' ? { algorithms: { cipher: [cipher] } } : {}),
});
