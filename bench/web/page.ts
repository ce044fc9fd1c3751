// The page's cost and the terminal's speed, on a local production build in Debian's Chromium.
//   1. Initial JavaScript transferred (gzip, as a compressing server would send it) and time to
//      interactive (navigation start → the app's 'tessera-ready' mark), median of 5 cold loads.
//   2. Terminal throughput: `cat` of a file through Tessera (sshd → relay → SSH in the page →
//      xterm.js) vs raw xterm.js writing the same bytes in the same page; MB/s and the ratio.
// Run: npx tsx bench/web/page.ts [MiB for cat, default 4]   (env ROUNDS=3, ONLY=cost|throughput)
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { startSshd } from '../../tests/peers/index.ts';
import { openApp, startWebStack } from '../../tests/web/harness.ts';

const MIB = Number(process.argv[2] ?? 4);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const ONLY = process.env.ONLY; // 'cost' or 'throughput'

interface BenchWindow { base: number; raw: Uint8Array }

/** The negotiated cipher, from the status line ("Connected … (kex, cipher)"). */
async function statusLine(page: Page): Promise<string> {
  const text = await page.evaluate(() => window.tessera!.status());
  return /\(([^)]*)\)/.exec(text)?.[1] ?? text;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function pageCost(): Promise<void> {
  const stack = await startWebStack({ config: {} });
  try {
    const ttis: number[] = [];
    let initialJs: { url: string; raw: number; gzip: number }[] = [];
    for (let i = 0; i < 5; i++) {
      const { context, page } = await stack.newPage();
      const scripts: string[] = [];
      page.on('request', (r) => { if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname); });
      await openApp(page, stack.baseUrl);
      ttis.push(await page.evaluate(() => performance.getEntriesByName('tessera-ready')[0]?.startTime ?? NaN));
      if (i === 0) {
        initialJs = scripts.map((path) => {
          const body = readFileSync(join(stack.staticDir, path));
          return { url: path, raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
        });
      }
      await context.close();
    }
    const total = initialJs.reduce((n, s) => n + s.gzip, 0);
    for (const s of initialJs) console.log(`  ${s.url}: ${(s.raw / 1024).toFixed(1)} KiB, ${(s.gzip / 1024).toFixed(1)} KiB gzip`);
    console.log(`initial JS: ${(total / 1024).toFixed(1)} KiB gzip (target <= 300 KiB)`);
    console.log(`time to interactive: ${median(ttis).toFixed(0)} ms (median of ${ttis.length}: ${ttis.map((t) => t.toFixed(0)).join(', ')})`);
  } finally {
    await stack.stop();
  }
}

async function throughput(): Promise<void> {
  const sshd = await startSshd({ hostKeyTypes: ['ed25519'], hostCertificates: false, logLevel: 'ERROR' });
  // Printable lines, like a log file: base64 of random bytes, 76 columns.
  const text = randomBytes(Math.floor((MIB * 1024 * 1024 * 3) / 4)).toString('base64').replace(/.{76}/g, '$&\n');
  const file = join('/tmp', `tessera-bench-${process.pid}.txt`);
  writeFileSync(file, text);
  chmodSync(file, 0o644);
  const stack = await startWebStack({
    allow: [`127.0.0.1:${sshd.port}`],
    config: { defaultHost: '127.0.0.1', defaultPort: sshd.port, defaultUser: sshd.user, knownHosts: sshd.knownHosts().trim().split('\n') },
  });
  try {
    const { page } = await stack.newPage();
    await openApp(page, stack.baseUrl);
    await page.selectOption('#auth-method', 'password');
    await page.fill('#password', sshd.password);
    await page.click('#connect-button');
    await page.waitForFunction(() => /^Connected/.test(window.tessera?.status() ?? ''), undefined, { timeout: 30_000 });
    const renderer = await page.evaluate(() => window.tessera!.renderer());
    const algorithms = await statusLine(page);
    await page.locator('#terminal .xterm-helper-textarea').focus();
    await page.keyboard.type('stty -echo');
    await page.keyboard.press('Enter');
    const bytes = Buffer.byteLength(text) + text.split('\n').length; // the pty turns \n into \r\n
    const rawText = Buffer.from(text.replace(/\n/g, '\r\n'));
    await page.evaluate((b64) => { (window as unknown as BenchWindow).raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)); }, rawText.toString('base64'));
    // Rounds alternate Tessera and raw in the same page, so a busy machine slows both alike.
    const ours: number[] = [];
    const raws: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Both sides start from an empty terminal and stop when xterm.js has parsed the last byte
      // (its write callback); the renderer draws frames meanwhile the same way on both sides.
      await page.evaluate(async () => { const v = window.tessera!.app.terminal; v.terminal.clear(); await v.flush(); });
      await page.keyboard.type(`cat ${file}`);
      // cat through Tessera: from Enter (the command goes to sshd) to the last byte parsed.
      const start = await page.evaluate(() => { (window as unknown as BenchWindow).base = window.tessera!.app.terminal.bytesWritten; return performance.now(); });
      await page.keyboard.press('Enter');
      await page.waitForFunction((n) => window.tessera!.app.terminal.bytesWritten - (window as unknown as BenchWindow).base >= n, bytes, { timeout: 300_000, polling: 50 });
      const end = await page.evaluate(async () => { await window.tessera!.app.terminal.flush(); return performance.now(); });
      ours.push((bytes / 1e6) / ((end - start) / 1000));
      // Raw xterm.js: the same bytes (with the pty's \r\n) written straight into the same terminal
      // (same renderer, same size), in 32 KiB chunks like SSH channel data.
      raws.push(await page.evaluate(async () => {
        const data = (window as unknown as BenchWindow).raw;
        const view = window.tessera!.app.terminal;
        view.terminal.clear();
        await view.flush();
        const t0 = performance.now();
        for (let i = 0; i < data.length; i += 32768) view.terminal.write(data.subarray(i, i + 32768));
        await new Promise<void>((r) => view.terminal.write('', r));
        return (data.length / 1e6) / ((performance.now() - t0) / 1000);
      }));
      console.log(`  round ${round + 1}: Tessera ${ours.at(-1)!.toFixed(2)} MB/s, raw xterm.js ${raws.at(-1)!.toFixed(2)} MB/s (${(ours.at(-1)! / raws.at(-1)! * 100).toFixed(0)}%)`);
    }
    const t = median(ours);
    const r = median(raws);
    console.log(`terminal throughput (${MIB} MiB cat, renderer ${renderer}, ${algorithms}): Tessera ${t.toFixed(2)} MB/s, raw xterm.js ${r.toFixed(2)} MB/s, ratio ${(t / r * 100).toFixed(0)}% (medians of ${ROUNDS}; target >= 80%)`);
  } finally {
    await stack.stop();
    await sshd.stop();
    rmSync(file, { force: true });
  }
}

if (ONLY !== 'throughput') await pageCost();
if (ONLY !== 'cost') await throughput();
