// Profiles the Tessera side of the throughput benchmark: CPU profile (CDP Profiler) of the page
// while it renders `cat` of a file, on an unminified production build, and prints the functions
// with the most self time. Run: npx tsx bench/web/profile-cat.ts [MiB, default 4]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startRelay } from '../../relay/index.ts';
import { startSshd } from '../../tests/peers/index.ts';
import { CHROMIUM, CHROMIUM_ARGS, openApp } from '../../tests/web/harness.ts';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const MIB = Number(process.argv[2] ?? 4);
const out = mkdtempSync(join(tmpdir(), 'tessera-prof-'));
execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--outDir', out, '--emptyOutDir', '--minify', 'false', '--logLevel', 'error'], { stdio: 'pipe', timeout: 120_000 });
const sshd = await startSshd({ hostKeyTypes: ['ed25519'], hostCertificates: false, logLevel: 'ERROR' });
const text = randomBytes(Math.floor((MIB * 1024 * 1024 * 3) / 4)).toString('base64').replace(/.{76}/g, '$&\n');
const file = join('/tmp', `tessera-prof-${process.pid}.txt`);
writeFileSync(file, text);
chmodSync(file, 0o644);
const relay = await startRelay({
  config: {
    listen: { host: '127.0.0.1', port: 0 },
    targets: { allow: [`127.0.0.1:${sshd.port}`], allowPrivate: ['127.0.0.0/8'] },
    static: { dir: out },
    site: { defaultHost: '127.0.0.1', defaultPort: sshd.port, defaultUser: sshd.user, knownHosts: sshd.knownHosts().trim().split('\n') } as unknown as Record<string, never>,
  },
  log: () => undefined,
});
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
  await page.addInitScript(() => {
    const c = { frames: 0, frameBytes: 0, writes: 0 };
    (window as unknown as { counts: typeof c }).counts = c;
    const add = WebSocket.prototype.addEventListener;
    WebSocket.prototype.addEventListener = function (this: WebSocket, type: string, fn: EventListener, o?: unknown) {
      if (type === 'message') add.call(this, 'message', (e: Event) => { c.frames++; c.frameBytes += ((e as MessageEvent).data as ArrayBuffer).byteLength; });
      return add.call(this, type, fn, o as boolean);
    } as typeof WebSocket.prototype.addEventListener;
  });
  await openApp(page, relay.url.replace(/^ws:/, 'http:') + (process.env.IN_PAGE ? '?ssh=page' : ''));
  await page.selectOption('#auth-method', 'password');
  await page.fill('#password', sshd.password);
  await page.click('#connect-button');
  await page.waitForFunction(() => /^Connected/.test(window.tessera?.status() ?? ''), undefined, { timeout: 30_000 });
  await page.locator('#terminal .xterm-helper-textarea').focus();
  await page.keyboard.type('stty -echo; clear');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(500);
  const bytes = Buffer.byteLength(text.replace(/\n/g, '\r\n')); // as the pty sends it
  await page.keyboard.type(`cat ${file}`);
  await page.evaluate(() => {
    const v = window.tessera!.app.terminal as unknown as { writeBytes(c: Uint8Array, release?: () => void): unknown };
    const orig = v.writeBytes.bind(v);
    const c = (window as unknown as { counts: { writes: number; frames: number; frameBytes: number } }).counts;
    c.frames = 0; c.frameBytes = 0;
    v.writeBytes = (chunk, release) => { c.writes++; return orig(chunk, release); };
  });
  // WORKER=1 profiles the SSH worker instead of the page's main thread (a raw CDP session to its target).
  const browserCdp = await browser.newBrowserCDPSession();
  let cdp: { send(method: string, params?: object): Promise<unknown> };
  if (process.env.WORKER) {
    const { targetInfos } = await browserCdp.send('Target.getTargets') as { targetInfos: { targetId: string; type: string; url: string }[] };
    const target = targetInfos.find((t) => t.type === 'worker' && /ssh-worker/.test(t.url));
    if (!target) throw new Error('no SSH worker target');
    const { sessionId } = await browserCdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false }) as { sessionId: string };
    let nextId = 1;
    const pending = new Map<number, (r: unknown) => void>();
    browserCdp.on('Target.receivedMessageFromTarget', (e: { sessionId: string; message: string }) => {
      if (e.sessionId !== sessionId) return;
      const m = JSON.parse(e.message) as { id?: number; result?: unknown; error?: unknown };
      if (m.id !== undefined) pending.get(m.id)?.(m.result ?? m.error);
    });
    cdp = { send: (method, params) => new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      void browserCdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params: params ?? {} }) });
    }) };
  } else {
    cdp = await page.context().newCDPSession(page) as unknown as typeof cdp;
  }
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  if (process.env.TRACE) await browser.startTracing(page, { path: process.env.TRACE, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'v8', 'toplevel'] });
  let start: number, end: number;
  if (process.env.RAW) {
    await page.evaluate(async (b64) => { (window as unknown as { raw: Uint8Array }).raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)); }, Buffer.from(text.replace(/\n/g, '\r\n')).toString('base64'));
    [start, end] = await page.evaluate(async () => {
      const data = (window as unknown as { raw: Uint8Array }).raw;
      const term = window.tessera!.app.terminal.terminal;
      const t0 = performance.now();
      for (let i = 0; i < data.length; i += 32768) term.write(data.subarray(i, i + 32768));
      await new Promise<void>((r) => term.write('', r));
      return [t0, performance.now()];
    });
  } else {
    if (process.env.SINK) {
      // Measures the SSH path alone: the terminal drops what it is given.
      await page.evaluate(() => { const t = window.tessera!.app.terminal.terminal as unknown as { write(d: unknown, cb?: () => void): void }; t.write = (_d, cb) => { if (cb) setTimeout(cb); }; });
    }
    start = await page.evaluate(() => { (window as unknown as { base: number }).base = window.tessera!.app.terminal.bytesWritten; return performance.now(); });
    await page.keyboard.press('Enter');
    await page.waitForFunction((n) => window.tessera!.app.terminal.bytesWritten - (window as unknown as { base: number }).base >= n, bytes, { timeout: 300_000, polling: 50 });
    end = await page.evaluate(async () => { await window.tessera!.app.terminal.flush(); return performance.now(); });
  }
  console.log('counts', JSON.stringify(await page.evaluate(() => (window as unknown as { counts: unknown }).counts)));
  if (process.env.TRACE) await browser.stopTracing();
  const { profile } = await cdp.send('Profiler.stop') as { profile: Profile };
  console.log(`${MIB} MiB in ${(end - start).toFixed(0)} ms: ${((bytes / 1e6) / ((end - start) / 1000)).toFixed(2)} MB/s`);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byName = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    const t = self.get(n.id) ?? 0;
    total += t;
    const f = n.callFrame;
    const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    byName.set(key, (byName.get(key) ?? 0) + t);
  }
  const top = [...byName].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 30));
  for (const [k, t] of top) console.log(`${(t / 1000).toFixed(0).padStart(7)} ms ${(t / total * 100).toFixed(1).padStart(5)}%  ${k}`);
  if (process.env.PROFILE_OUT) writeFileSync(process.env.PROFILE_OUT, JSON.stringify(profile));
} finally {
  await browser.close();
  await relay.close({ drainMs: 0 });
  await sshd.stop();
  rmSync(file, { force: true });
  rmSync(out, { recursive: true, force: true });
}
