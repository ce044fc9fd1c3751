// `tessera demo`: the whole flow on one machine with no hardware. It builds the page when the
// sources are newer than dist/, starts a local test sshd (tests/peers) and the relay serving the
// page with a demo site policy, a simulated PIV card in a virtual reader (served to the page's
// demo WebUSB through the relay), prints the URL, and stops everything (by pid) on Ctrl+C.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startRelay, type RelayHandle } from '../relay/index.ts';
// eslint.config.js lets the demo start the test peers (tests/peers/index.ts).
import { repoRoot, startSshd, type SshServerPeer } from '../tests/peers/index.ts';
import { UsageError, type Command } from './command.ts';
import { startDemoCard, type DemoCard } from './demo/card.ts';

const USAGE = 'tessera demo [--port PORT] [--rebuild] [--kiosk]';
const SOURCES = ['web', 'index.html', 'vite.config.ts', 'public', 'ssh-proto', 'card', 'ccid', 'pki', 'sim'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const e of readdirSync(path)) if (!e.startsWith('.') && !e.endsWith('.test.ts')) newest = Math.max(newest, newestMtime(join(path, e)));
  return newest;
}

/** Builds the page into dist/ with vite when dist/ is missing or older than the sources. */
export function ensurePageBuilt(root: string, force = false): boolean {
  const built = join(root, 'dist', 'index.html');
  const stale = force || !existsSync(built) || SOURCES.some((s) => newestMtime(join(root, s)) > statSync(built).mtimeMs);
  if (!stale) return false;
  process.stdout.write('demo: building the page (vite build)…\n');
  execFileSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  return true;
}

async function listen(port: number, sshd: SshServerPeer, card: DemoCard, root: string, kiosk: boolean): Promise<RelayHandle> {
  const site = {
    mode: kiosk ? 'kiosk' : 'personal',
    defaultHost: '127.0.0.1',
    defaultPort: sshd.port,
    defaultUser: sshd.user,
    // Kiosk mode never trusts on first use: provision the demo server's key.
    ...(kiosk ? { knownHosts: sshd.knownHosts().trim().split('\n') } : {}),
    // The simulated card's certificate chains to this temporary CA.
    trustAnchors: [card.provisioned.ca.pem],
    revocation: 'off',
    // The test account's published TEST-ONLY password (scripts/setup.sh), for the no-card path.
    demo: { virtualReaderPort: card.reader.port, password: sshd.password },
  };
  return startRelay({
    config: {
      listen: { host: '127.0.0.1', port },
      targets: { allow: [`127.0.0.1:${sshd.port}`, `127.0.0.1:${card.reader.port}`], allowPrivate: ['127.0.0.0/8'] },
      static: { dir: join(root, 'dist') },
      site,
    },
    log: () => undefined,
  });
}

export const command: Command = {
  async run(args) {
    let port = 8080;
    let rebuild = false;
    let kiosk = false;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === '--port') {
        const v = Number(args[++i]);
        if (!Number.isInteger(v) || v < 0 || v > 65535) throw new UsageError(`--port wants a number from 0 to 65535.\n${USAGE}`);
        port = v;
      } else if (a === '--rebuild') rebuild = true;
      else if (a === '--kiosk') kiosk = true;
      else if (a === '--help' || a === '-h') { process.stdout.write(`usage: ${USAGE}\n`); return 0; }
      else throw new UsageError(`unknown option '${a}'.\n${USAGE}`);
    }
    // The repository the command lives in, wherever it is started from.
    const root = repoRoot;
    // Ctrl+C or SIGTERM at any time, startup included: what has started so far is stopped, newest first.
    let stopRequested = false;
    const stopped = new Promise<void>((resolve) => {
      const stop = () => { stopRequested = true; resolve(); };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    const running: (() => Promise<unknown>)[] = [];
    const stopAll = async () => { for (const stop of running.reverse()) await stop().catch(() => undefined); };
    try {
      ensurePageBuilt(root, rebuild);
      if (stopRequested) return 0;
      const card = await startDemoCard();
      running.push(() => card.reader.close());
      if (stopRequested) return 0;
      const sshd = await startSshd({ hostKeyTypes: ['ed25519'], hostCertificates: false, logLevel: 'ERROR', authorizedKeys: [card.authorizedKey] });
      running.push(() => sshd.stop());
      if (stopRequested) return 0;
      const relay = await listen(port, sshd, card, root, kiosk).catch((err: unknown) => {
        if ((err as { code?: string }).code !== 'EADDRINUSE' || port === 0) throw err;
        process.stdout.write(`demo: port ${port} is busy; using a free port instead.\n`);
        return listen(0, sshd, card, root, kiosk);
      });
      running.push(() => relay.close({ drainMs: 500 }));
      if (stopRequested) return 0;
      const url = relay.url.replace(/^ws:/, 'http:');
      process.stdout.write([
        '',
        `  Tessera demo is running: ${url}/`,
        '',
        `  test sshd (OpenSSH ${sshd.version}) on 127.0.0.1:${sshd.port}, user ${sshd.user}`,
        '  sign in with the simulated PIV card: press "Connect reader", then Connect; the PIN is 123456',
        '  (or choose Password: the test password is prefilled). Accept the host key when asked:',
        `  ${sshd.knownHosts().trim()}`,
        kiosk ? '  kiosk mode: nothing persists; the server key is provisioned by the site policy' : '',
        '',
        '  Open the URL in Chrome or Chromium. Press Ctrl+C to stop.',
        '',
      ].join('\n'));
      await stopped;
      return 0;
    } finally {
      if (running.length > 0) process.stdout.write('demo: stopping…\n');
      await stopAll();
    }
  },
};
