// `npm run demo` and `npm test` stopped by a signal sent to npm alone (a supervisor, `kill <npm pid>`, `timeout`):
// npm forwards SIGINT and SIGTERM to the script's shell only, so the long-lived command (`tessera demo`, vitest) must
// replace that shell (`exec`), else it never hears the signal and is left running with every peer it started.
// The scripts are run as written in package.json, in a scratch project whose commands are stand-ins: the setup
// script and the checks succeed at once, and `node` / `vitest` record the signals they get.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../peers/index.ts';

const scripts = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** The long-lived stand-in: logs "start PID" and each signal it gets, then exits 0 on SIGINT or SIGTERM. */
const STAND_IN = `
import { appendFileSync } from 'node:fs';
const log = process.env.STAND_IN_LOG;
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => { appendFileSync(log, s + ' ' + process.pid + '\\n'); process.exit(0); });
setInterval(() => undefined, 1000);
appendFileSync(log, 'start ' + process.pid + '\\n');
`;

let dir: string;
let log: string;
const started: ChildProcess[] = [];
const standIns: number[] = [];

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; stand-in log:\n${existsSync(log) ? readFileSync(log, 'utf8') : '(none)'}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-contract-npm-'));
  log = join(dir, 'stand-in.log');
  const bin = join(dir, 'node_modules', '.bin');
  mkdirSync(bin, { recursive: true });
  mkdirSync(join(dir, 'scripts'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'tessera-contract-scratch', version: '0.0.0', private: true, scripts }));
  writeFileSync(join(dir, 'scripts', 'setup.sh'), 'exit 0\n');
  writeFileSync(join(dir, 'stand-in.mjs'), STAND_IN);
  // npm puts node_modules/.bin first on the script's PATH: these answer for node, vitest, tsc and eslint.
  const standIn = `#!/bin/sh\nexec '${process.execPath}' '${join(dir, 'stand-in.mjs')}' "$@"\n`;
  // `node` is also what a nested npm (`npm run check`) starts through: only the demo's command line is stood in for.
  const node = `#!/bin/sh\nif [ "$1" = cli/tessera.js ]; then ${standIn.split('\n')[1]}; fi\nexec '${process.execPath}' "$@"\n`;
  for (const [name, text] of [['node', node], ['vitest', standIn], ['tsc', '#!/bin/sh\nexit 0\n'], ['eslint', '#!/bin/sh\nexit 0\n']] as const) {
    writeFileSync(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  }
});

afterEach(() => {
  for (const pid of standIns.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe.each([['demo', ['run', 'demo']], ['test', ['test']]] as const)('npm %s', (_name, npmArgs) => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s to npm alone reaches the long-lived command, which stops', { timeout: 90_000 }, async (signal) => {
    // The outer `npm test` exports npm_* settings; the scratch project gets none of them.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
    const npm = spawn('npm', [...npmArgs], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, STAND_IN_LOG: log, npm_config_update_notifier: 'false' } });
    started.push(npm);
    let output = '';
    npm.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    npm.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    const npmExited = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
    const pid = await until(`the stand-in started by npm ${npmArgs.join(' ')} (npm said: ${output})`, () => {
      const m = existsSync(log) ? /^start (\d+)$/m.exec(readFileSync(log, 'utf8')) : null;
      return m ? Number(m[1]) : undefined;
    });
    standIns.push(pid);
    npm.kill(signal);
    await until(`${signal} reaching the stand-in (pid ${pid})`, () => readFileSync(log, 'utf8').includes(`${signal} ${pid}\n`) ? true : undefined);
    await until(`the stand-in (pid ${pid}) exiting`, () => alive(pid) ? undefined : true);
    await npmExited;
    expect(readFileSync(log, 'utf8').split('\n').filter((l) => l.startsWith('SIG'))).toEqual([`${signal} ${pid}`]);
  });
});
