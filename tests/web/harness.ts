// End-to-end harness for the page: a production build of the page, the real relay serving it
// (with a /config.json), and Debian's Chromium driven by playwright-core (never downloaded).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startRelay, type RelayHandle } from '../../relay/index.ts';
import { startSshd, type SshServerPeer } from '../peers/index.ts';
import { requireExecutable } from '../support/index.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];
export const SCREENSHOTS = join(process.cwd(), 'test-results', 'web');

let built: string | undefined;

/** Builds the page once per test process into a temporary folder (vite build). */
export function buildPage(): string {
  if (built) return built;
  const out = mkdtempSync(join(tmpdir(), 'tessera-page-'));
  // BENCH_NO_MINIFY=1: readable function names in profiles (bench/web).
  const minify = process.env.BENCH_NO_MINIFY ? ['--minify', 'false'] : [];
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--outDir', out, '--emptyOutDir', '--logLevel', 'error', ...minify], { stdio: 'pipe', timeout: 120_000, env: { ...process.env, NODE_ENV: 'production' } });
  built = out;
  process.once('exit', () => rmSync(out, { recursive: true, force: true }));
  return out;
}

export interface WebStack {
  readonly relay: RelayHandle;
  readonly browser: Browser;
  readonly baseUrl: string;
  readonly staticDir: string;
  newPage(options?: { offline?: boolean }): Promise<{ context: BrowserContext; page: Page }>;
  stop(): Promise<void>;
}

/** The page served by a real relay with the given /config.json, plus a browser. */
export async function startWebStack(options: {
  config?: Record<string, unknown>;
  allow?: readonly string[];
  /** URL prefixes the relay's /revocation endpoint may fetch (CRL distribution points, OCSP responders). */
  revocationAllow?: readonly string[];
  /** The relay's Content-Security-Policy header instead of its default (benchmarks that report over a WebSocket). */
  csp?: string;
} = {}): Promise<WebStack> {
  requireExecutable(CHROMIUM, 'Debian chromium');
  const staticDir = buildPage();
  // The relay serves the site policy as /config.json (relay config `site`).
  const relay = await startRelay({
    config: {
      listen: { host: '127.0.0.1', port: 0 },
      targets: { allow: [...(options.allow ?? [])], allowPrivate: ['127.0.0.0/8'] },
      static: { dir: staticDir, ...(options.csp ? { csp: options.csp } : {}) },
      site: (options.config ?? {}) as Record<string, never>,
      ...(options.revocationAllow ? { revocation: { allow: [...options.revocationAllow] } } : {}),
    },
    log: () => undefined,
  });
  const baseUrl = relay.url.replace(/^ws:/, 'http:');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    relay, browser, baseUrl, staticDir,
    async newPage() {
      const context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      return { context, page };
    },
    async stop() {
      await browser.close().catch(() => undefined);
      await relay.close({ drainMs: 0 });
    },
  };
}

/**
 * Debian's sshd (an ed25519 host key) and the stack with a personal site whose defaults sign in to it, its host key
 * provisioned in the site's known hosts. stop() stops both (the relay may already be closed by the test).
 */
export async function startSshdStack(): Promise<{ sshd: SshServerPeer; stack: WebStack; stop(): Promise<void> }> {
  const sshd = await startSshd({ hostKeyTypes: ['ed25519'], hostCertificates: false });
  const stack = await startWebStack({
    allow: [`127.0.0.1:${sshd.port}`],
    config: { mode: 'personal', defaultHost: '127.0.0.1', defaultPort: sshd.port, defaultUser: sshd.user, knownHosts: sshd.knownHosts().trim().split('\n') },
  }).catch(async (err: unknown) => { await sshd.stop(); throw err; });
  return { sshd, stack, async stop() { await stack.stop().catch(() => undefined); await sshd.stop(); } };
}

/** Waits until the app booted (body[data-ready]). */
export async function openApp(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
}

/** The terminal's text (visible screen and scrollback), through the page's read-only hook. */
export function terminalText(page: Page): Promise<string> {
  return page.evaluate(() => window.tessera?.terminalText() ?? '');
}

/** Waits until the terminal shows text matching `pattern`. */
export async function waitForTerminal(page: Page, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await terminalText(page);
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`the terminal never showed ${pattern}; it shows:\n${text.trimEnd().slice(-1500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Types a shell command once the shell shows its prompt: typed earlier, the pty echoes it before
 * the prompt and the output lands after `$ ` on the same line.
 */
export async function typeCommand(page: Page, line: string): Promise<void> {
  await waitForTerminal(page, /\$\s*$/);
  await page.locator('#terminal .xterm-helper-textarea').focus();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

export function statusText(page: Page): Promise<string> {
  return page.evaluate(() => window.tessera?.status() ?? '');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}
