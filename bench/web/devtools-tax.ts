// The DevTools tax on a raw WebSocket download through the relay (no SSH), in Debian's Chromium:
// the same page run by a plain Chromium (no remote debugging, as users run it; the page reports to
// this script's HTTP server) and under Playwright, which attaches DevTools and enables the Network
// domain, so Chromium copies every WebSocket frame with its payload to the DevTools client.
// Alternates the two (which goes first alternates per round), in a worker and on the main thread; MB/s and CPU ms
// per MB by process/thread.
// Run: npx tsx bench/web/devtools-tax.ts [MiB, default 16]   (env ROUNDS=2)
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttp } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { startRelay } from '../../relay/index.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../../tests/web/harness.ts';
import { cpuDelta, cpuTimes } from './cpu-times.ts';

const SIZE = Number(process.argv[2] ?? 16) * 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'tessera-dt-'));
await build({ entryPoints: [new URL('./layers-probe.ts', import.meta.url).pathname], bundle: true, format: 'esm', platform: 'browser', outfile: join(dir, 'probe.js'), logLevel: 'error' });
writeFileSync(join(dir, 'auto.js'), `
const q = new URLSearchParams(location.search);
(async () => {
  while (!window.probe) await new Promise((r) => setTimeout(r, 10));
  const r = await window.probe[q.get('where')]({ kind: 'ws', url: q.get('url') });
  await fetch('/result', { method: 'POST', body: JSON.stringify(r) });
})();`);
writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="/probe.js"></script><script type="module" src="/auto.js"></script>');
let waiter: ((r: unknown) => void) | undefined;
const http = createHttp((req, res) => {
  if (req.method === 'POST') { let b = ''; req.on('data', (d) => { b += d; }); req.on('end', () => { res.end('ok'); waiter?.(JSON.parse(b)); }); return; }
  const p = new URL(req.url!, 'http://x').pathname;
  try { const body = readFileSync(join(dir, p)); res.setHeader('content-type', p.endsWith('.js') ? 'text/javascript' : 'text/html'); res.end(body); } catch { res.statusCode = 404; res.end(); }
});
await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
const httpPort = (http.address() as { port: number }).port;
const payload = randomBytes(SIZE);
const source: Server = createServer((s) => { s.on('error', () => undefined); s.end(payload); });
await new Promise<void>((r) => source.listen(0, '127.0.0.1', r));
const sourcePort = (source.address() as { port: number }).port;
const relay = await startRelay({ config: { listen: { host: '127.0.0.1', port: 0 }, origins: ['*'] /* the page comes from this script's server */, targets: { allow: [`127.0.0.1:${sourcePort}`], allowPrivate: ['127.0.0.0/8'] } }, log: () => undefined });
const pageUrl = (where: string) => `http://127.0.0.1:${httpPort}/index.html?where=${where}&url=${encodeURIComponent(`${relay.url}?host=127.0.0.1&port=${sourcePort}`)}`;
const result = () => new Promise<{ bytes: number; ms: number }>((r) => { waiter = r as never; });

async function plain(where: string) {
  const profile = mkdtempSync(join(tmpdir(), 'tessera-dt-profile-'));
  const p = result();
  // In a process group of its own, stopped by that group's id.
  const child = spawn(CHROMIUM, [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, pageUrl(where)], { stdio: 'ignore', detached: true });
  const stop = () => { try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* gone */ } };
  process.once('exit', stop);
  try { return await p; } finally {
    stop();
    process.off('exit', stop);
    await new Promise((r) => child.once('exit', r));
    await new Promise((r) => setTimeout(r, 300));
    rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
  }
}
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
async function pw(where: string) {
  const page = await browser.newPage();
  const p = result();
  await page.goto(pageUrl(where));
  try { return await p; } finally { await page.close(); }
}
console.log(`load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (let round = 0; round < Number(process.env.ROUNDS ?? 2); round++) {
  for (const where of ['worker', 'main']) {
    // Which of the two goes first alternates from round to round.
    const both = [['no DevTools', plain], ['Playwright ', pw]] as const;
    for (const [name, fn] of round % 2 === 0 ? both : [...both].reverse()) {
      const before = cpuTimes();
      const r = await fn(where);
      const cpu = cpuDelta(before, cpuTimes());
      const mb = r.bytes / 1e6;
      console.log(`${where.padEnd(6)} ${name} ${(mb / (r.ms / 1000)).toFixed(1).padStart(6)} MB/s   CPU ms/MB: ${cpu.slice(0, 6).map(([k, ms]) => `${k} ${(ms / mb).toFixed(0)}`).join(', ')}`);
    }
  }
}
console.log(`load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
await browser.close();
await relay.close({ drainMs: 0 });
source.close(); http.close();
rmSync(dir, { recursive: true, force: true });
