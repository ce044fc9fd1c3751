// `tessera demo` as a newcomer sees it: the command builds the page when needed, starts the
// relay, a test sshd and the simulated card; in Chromium (no WebUSB shim: the demo's own virtual
// reader wiring) the card signs in with its PIN, and pulling the card out ends the session.
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../peers/index.ts';
import { requireExecutable, startPeer, type Peer } from '../support/index.ts';
import { CHROMIUM, CHROMIUM_ARGS, screenshot, statusText, typeCommand, waitForTerminal } from './harness.ts';

describe('tessera demo', () => {
  let demo: Peer;
  let url: string;
  beforeAll(async () => {
    requireExecutable(CHROMIUM, 'Debian chromium');
    demo = startPeer(process.execPath, ['cli/tessera.js', 'demo', '--port', '0'], { env: { ...process.env, NODE_ENV: 'production' } });
    url = (await demo.waitForOutput(/Tessera demo is running: (http:\/\/\S+)/, 150_000))[1]!;
  }, 180_000);
  afterAll(async () => { await demo?.stop(); });

  it('signs in with the simulated card and ends the session when the card is pulled out', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
      await page.goto(url);
      await page.waitForSelector('body[data-ready="true"]');
      await page.click('#connect-reader');
      await expect.poll(() => page.getAttribute('#card-panel', 'data-state'), { timeout: 20_000 }).toBe('ready');
      expect(await page.textContent('#card-keys')).toContain('CN=Demo User');
      expect(await page.inputValue('#auth-method')).toBe('card');
      await page.click('#connect-button');
      await page.locator('#pin-dialog').waitFor({ state: 'visible' });
      await page.fill('#pin-input', '123456');
      await page.click('#pin-ok');
      await page.locator('#host-key-dialog').waitFor({ state: 'visible' });
      await page.click('#hk-once');
      await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to/);
      await typeCommand(page, 'echo demo-$((2*21))');
      await waitForTerminal(page, /^demo-42\s*$/m);
      await screenshot(page, '11-demo-session');
      await page.click('text=Pull card out (demo)');
      await expect.poll(() => statusText(page), { timeout: 15_000 }).toMatch(/^Closed: The card was removed/);
    } finally {
      await browser.close();
    }
  }, 120_000);

  // The page is built by now (beforeAll): this demo builds nothing. Before, the demo took the working directory as
  // the repository ("Cannot find module '/tmp/node_modules/vite/bin/vite.js'").
  it('runs when started from another directory, and SIGTERM stops it and its sshd', async () => {
    const other = startPeer(process.execPath, [join(repoRoot, 'cli', 'tessera.js'), 'demo', '--port', '0'], { cwd: tmpdir(), env: { ...process.env, NODE_ENV: 'production' } });
    try {
      await other.waitForOutput(/Tessera demo is running: http:\/\/\S+/, 60_000);
      const sshd = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(other.pid)], { encoding: 'utf8' })
        .split('\n').filter((l) => /\bsshd\b/.test(l)).map((l) => Number(l.trim().split(/\s+/)[0]));
      expect(sshd).toHaveLength(1);
      const exit = new Promise<number | null>((resolve) => other.child.once('exit', (code) => resolve(code)));
      process.kill(other.pid, 'SIGTERM');
      expect(await exit).toBe(0);
      expect(other.output()).toContain('demo: stopping');
      expect(() => process.kill(sshd[0]!, 0)).toThrow(/ESRCH/);
    } finally {
      await other.stop();
    }
  }, 90_000);
});
