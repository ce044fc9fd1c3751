// Chromium as a user runs it: no DevTools client attached (Playwright attaches one and enables the
// Network domain, so Chromium copies every WebSocket frame, payload included, to it; that tax, not
// the page, dominated the earlier figures). The page drives itself (page-driver.ts) and reports to
// the bench over a WebSocket. Every Chromium started here runs in its own process group and is
// stopped by that group's id.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { WebSocketServer, type WebSocket } from 'ws';
import { DEFAULT_CSP } from '../../relay/static.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../../tests/web/harness.ts';
import type { DriverPlan, DriverReport } from './page-driver.ts';

/** The relay's policy, plus WebSocket connections to the bench on this host (the driver's reports). */
export const DRIVER_CSP = DEFAULT_CSP.replace("connect-src 'self'", "connect-src 'self' ws://127.0.0.1:*");

/** Adds bench.html (the app's page plus the driver script) to a built page folder. */
export async function addDriver(staticDir: string): Promise<void> {
  await build({ entryPoints: [new URL('./page-driver.ts', import.meta.url).pathname], bundle: true, format: 'esm', platform: 'browser', outfile: join(staticDir, 'bench-driver.js'), logLevel: 'error' });
  const index = readFileSync(join(staticDir, 'index.html'), 'utf8');
  writeFileSync(join(staticDir, 'bench.html'), index.replace('</head>', '<script type="module" src="/bench-driver.js"></script></head>'));
}

/**
 * Opens `pageUrl` (bench.html with its query) in a Chromium of its own without remote debugging,
 * hands the driver its plan and the raw bytes, and calls `onReport` for each report until 'done'.
 */
export function runPlain(pageUrl: string, plan: DriverPlan, raw: Uint8Array, onReport: (r: DriverReport) => void, timeoutMs = 600_000): Promise<void> {
  return runPlainPage<DriverReport>(pageUrl, [JSON.stringify(plan), raw], onReport, timeoutMs);
}

/**
 * Opens `pageUrl` in a Chromium of its own without remote debugging; the page connects to
 * ws://127.0.0.1:PORT (PORT in its `bench` query parameter), is sent `hello` and reports JSON
 * objects until one with t 'done' (t 'error' fails the run).
 */
export async function runPlainPage<R extends { t: string }>(pageUrl: string, hello: readonly (string | Uint8Array)[], onReport: (r: R) => void, timeoutMs = 600_000): Promise<void> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => server.once('listening', r));
  const port = (server.address() as { port: number }).port;
  const profile = mkdtempSync(join(tmpdir(), 'tessera-bench-profile-'));
  const url = new URL(pageUrl);
  // --window-size counts the window's frame in new headless: 1280x903 gives the 1280x760 viewport Playwright's pages have.
  url.searchParams.set('bench', String(port));
  // BENCH_DEBUG=1: the page's console on stderr.
  const debug = Boolean(process.env.BENCH_DEBUG);
  // BENCH_CHROMIUM_ARGS: more flags, e.g. --js-flags=--prof (V8's tick log per isolate, read with node --prof-process).
  const extra = process.env.BENCH_CHROMIUM_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(CHROMIUM, [...CHROMIUM_ARGS, ...extra, ...(debug ? ['--enable-logging=stderr'] : []), '--window-size=1280,903', `--user-data-dir=${profile}`, url.toString()], { stdio: ['ignore', 'ignore', debug ? 'pipe' : 'ignore'], detached: true });
  child.stderr?.on('data', (d: Buffer) => { for (const line of d.toString().split('\n')) if (/CONSOLE/.test(line)) console.error(line); });
  const exited = new Promise((r) => child.once('exit', r));
  // Also when the bench itself is stopped (Ctrl+C, timeout): Chromium is in a group of its own.
  const stop = () => { try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* already gone */ } };
  const onSignal = () => { stop(); process.exit(130); };
  process.once('exit', stop);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the page did not finish within ${timeoutMs / 1000} s`)), timeoutMs);
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`Chromium exited early (code ${code})`)); });
      server.once('connection', (socket: WebSocket) => {
        for (const m of hello) socket.send(m);
        socket.on('message', (data) => {
          const report = JSON.parse(String(data)) as R & { message?: string };
          if (report.t === 'error') { clearTimeout(timer); reject(new Error(`the page failed: ${report.message ?? '?'}`)); return; }
          onReport(report);
          if (report.t === 'done') { clearTimeout(timer); resolve(); }
        });
      });
    });
  } finally {
    stop();
    await exited;
    process.off('exit', stop);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    server.close();
    await new Promise((r) => setTimeout(r, 300)); // its children let go of the profile
    rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
  }
}
