// The SSH path end to end: the page in Chromium → the real relay → Debian's sshd 9.2, with the
// host-key prompt, a shell in xterm.js (echo, stty size, resize), a remembered key on the next
// connection, a changed key as a hard stop, and flow control from a stalled terminal back to the server.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startSshd, type SshServerPeer } from '../peers/index.ts';
import { startRelay } from '../../relay/index.ts';
import { openApp, screenshot, startWebStack, statusText, typeCommand, waitForTerminal, type WebStack } from './harness.ts';

function opensshFingerprint(publicLine: string): string {
  const b64 = publicLine.split(/\s+/)[1] ?? '';
  return `SHA256:${createHash('sha256').update(Buffer.from(b64, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

async function connectWithPassword(page: Page, sshd: SshServerPeer): Promise<void> {
  await page.selectOption('#auth-method', 'password');
  await page.fill('#password', sshd.password);
  await page.click('#connect-button');
}

/** Dedicated SSH workers the page runs (web/session/ssh-worker.ts). */
const sshWorkers = (page: Page) => page.workers().filter((w) => /ssh-worker/.test(w.url())).length;

describe('SSH through the relay in the browser', () => {
  let sshd: SshServerPeer;
  let stack: WebStack;
  beforeAll(async () => {
    sshd = await startSshd({ hostKeyTypes: ['ed25519'], hostCertificates: false });
    stack = await startWebStack({
      allow: [`127.0.0.1:${sshd.port}`],
      config: { mode: 'personal', defaultHost: '127.0.0.1', defaultPort: sshd.port, defaultUser: sshd.user },
    });
  }, 180_000);
  afterAll(async () => { await stack?.stop(); await sshd?.stop(); });

  it('prompts for the host key, runs a shell, follows resizes, and remembers the key', async () => {
    const { context, page } = await stack.newPage();
    await openApp(page, stack.baseUrl);
    await connectWithPassword(page, sshd);

    const dialog = page.locator('#host-key-dialog');
    await dialog.waitFor({ state: 'visible' });
    const expected = opensshFingerprint(sshd.hostKeys[0]!.key.publicLine);
    expect(await page.textContent('#hk-fingerprint')).toBe(expected);
    expect(await page.textContent('#hk-body')).toContain(`[127.0.0.1]:${sshd.port}`);
    await screenshot(page, '02-host-key-prompt');
    await page.click('#hk-remember');

    await expect.poll(() => statusText(page), { timeout: 20_000 }).toMatch(/^Connected to tessera-test@127\.0\.0\.1/);
    expect(await page.getAttribute('#status', 'title')).toMatch(/curve25519-sha256|mlkem|ecdh/);
    // SSH runs in a dedicated worker, off the main thread that xterm.js renders on.
    expect(sshWorkers(page)).toBe(1);

    await typeCommand(page, 'echo tessera-$((6*7))');
    await waitForTerminal(page, /^tessera-42\s*$/m);

    const size = await page.evaluate(() => window.tessera!.app.terminal.size);
    await typeCommand(page, 'stty size');
    await waitForTerminal(page, new RegExp(`^${size.rows} ${size.cols}\\s*$`, 'm'));
    await screenshot(page, '03-connected-shell');

    // A smaller window: xterm refits, the page sends window-change, the pty follows.
    await page.setViewportSize({ width: 900, height: 520 });
    await expect.poll(() => page.evaluate(() => window.tessera!.app.terminal.size.cols)).toBeLessThan(size.cols);
    const small = await page.evaluate(() => window.tessera!.app.terminal.size);
    await typeCommand(page, 'clear; stty size');
    await waitForTerminal(page, new RegExp(`^${small.rows} ${small.cols}\\s*$`, 'm'));

    // UTF-8 from the server, possibly split across packets, renders as text.
    await typeCommand(page, "printf 'caf\\303\\251 \\342\\202\\254\\n'");
    await waitForTerminal(page, /^café €\s*$/m);

    await typeCommand(page, 'exit');
    await expect.poll(() => statusText(page)).toMatch(/^Closed: The shell exited with status 0/);
    expect(await page.textContent('#known-hosts-summary')).toMatch(/1 remembered host key/);

    // The next connection trusts the remembered key without asking.
    await connectWithPassword(page, sshd);
    await expect.poll(() => statusText(page), { timeout: 20_000 }).toMatch(/^Connected to/);
    expect(await dialog.isVisible()).toBe(false);
    await page.click('#disconnect-button');
    await expect.poll(() => statusText(page)).toMatch(/^Closed: You disconnected/);
    await expect.poll(() => sshWorkers(page)).toBe(0); // each session's worker stops with it
    await context.close();
  }, 120_000);

  it('a terminal that stops parsing stops the server (SSH window through the worker); nothing is lost when it resumes', async () => {
    const { context, page } = await stack.newPage();
    await openApp(page, stack.baseUrl);
    await connectWithPassword(page, sshd);
    await page.locator('#host-key-dialog').waitFor({ state: 'visible' });
    await page.click('#hk-once');
    await expect.poll(() => statusText(page), { timeout: 20_000 }).toMatch(/^Connected to/);
    expect(sshWorkers(page)).toBe(1);
    // xterm.js holds every write unparsed (no write callback) until released.
    await page.evaluate(() => {
      const t = window.tessera!.app.terminal.terminal as unknown as { write(d: unknown, cb?: () => void): void };
      const held: [unknown, (() => void) | undefined][] = [];
      const real = t.write.bind(t);
      t.write = (d, cb) => { held.push([d, cb]); };
      (window as unknown as { release(): void }).release = () => { t.write = real; for (const [d, cb] of held.splice(0)) real(d, cb); };
    });
    // This page's relay session: the newest (the relay keeps them in the order they opened).
    const session = stack.relay.sessions().at(-1)!;
    const relayBytes = () => session.bytesDown;
    const before = relayBytes();
    const total = 16 * 1024 * 1024;
    // The command line's own echo reads END-$((40+2)); only the output's last line reads END-42.
    await page.locator('#terminal .xterm-helper-textarea').focus();
    await page.keyboard.type(`yes 0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ | head -c ${total}; echo; echo END-$((40+2))`);
    await page.keyboard.press('Enter');
    // How soon the server runs out of window depends on the machine: wait until the count is past 1 MiB and has not
    // moved for two seconds (no fixed wait stands in for that on a loaded machine), then check where it stopped.
    let stalled = relayBytes() - before;
    for (let still = 0, deadline = Date.now() + 45_000; still < 2 && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 1000));
      const now = relayBytes() - before;
      still = now === stalled && now > 1024 * 1024 ? still + 1 : 0;
      stalled = now;
    }
    await new Promise((r) => setTimeout(r, 1000));
    // The server stopped: what it sent is bounded by the SSH window (2 MiB) plus what the worker and the page
    // took (their credits, ~2 MiB), far below the 16 MiB it has to send, and it stays put.
    expect(stalled).toBeGreaterThan(1024 * 1024);
    expect(stalled).toBeLessThan(6 * 1024 * 1024);
    expect(relayBytes() - before).toBe(stalled);
    const taken = await page.evaluate(() => window.tessera!.app.terminal.bytesWritten);
    expect(taken).toBeLessThan(2 * 1024 * 1024); // the page stopped reading at the terminal's high watermark
    await page.evaluate(() => (window as unknown as { release(): void }).release());
    await waitForTerminal(page, /^END-42\s*$/m, 60_000);
    expect(relayBytes() - before).toBeGreaterThan(total);
    await page.click('#disconnect-button');
    await context.close();
  }, 150_000);

  it('stops hard when the host key differs from the one on record', async () => {
    const { context, page } = await stack.newPage();
    await openApp(page, `${stack.baseUrl}?ssh=page`); // SSH in the page itself, as without workers
    // Another ed25519 key on record for this host:port (from a second, unrelated server).
    const other = await startSshd({ hostKeyTypes: ['ed25519'], hostCertificates: false });
    const line = `[127.0.0.1]:${sshd.port} ${other.hostKeys[0]!.key.publicLine.split(/\s+/).slice(0, 2).join(' ')}`;
    await other.stop();
    expect(await page.evaluate((text) => window.tessera!.app.importKnownHosts(text), line)).toBe(1);
    await connectWithPassword(page, sshd);
    const dialog = page.locator('#host-key-dialog[data-kind="changed"]');
    await dialog.waitFor({ state: 'visible' });
    expect(await page.textContent('#hk-body')).toMatch(/man-in-the-middle/);
    expect(await page.isVisible('#hk-remember')).toBe(false);
    await screenshot(page, '04-host-key-changed');
    await page.click('#hk-refuse');
    await expect.poll(() => statusText(page)).toMatch(/host key changed/);
    expect(sshWorkers(page)).toBe(0);
    await context.close();
  }, 60_000);

  it('stops hard when the host is on record only with another key type (offered first, so the server had it)', async () => {
    const { context, page } = await stack.newPage();
    await openApp(page, stack.baseUrl);
    // An ECDSA key on record for this host:port; the server has only an Ed25519 key.
    const other = await startSshd({ hostKeyTypes: ['ecdsa-p256'], hostCertificates: false });
    const line = `[127.0.0.1]:${sshd.port} ${other.hostKeys[0]!.key.publicLine.split(/\s+/).slice(0, 2).join(' ')}`;
    await other.stop();
    expect(await page.evaluate((text) => window.tessera!.app.importKnownHosts(text), line)).toBe(1);
    await connectWithPassword(page, sshd);
    await page.locator('#host-key-dialog[data-kind="other-type"]').waitFor({ state: 'visible' });
    expect(await page.textContent('#hk-body')).toMatch(/on record only with keys of other types/);
    expect(await page.textContent('#hk-body')).toContain(opensshFingerprint(line.split(' ').slice(1).join(' ')));
    expect(await page.isVisible('#hk-remember')).toBe(false);
    expect(await page.isVisible('#hk-once')).toBe(false);
    await page.click('#hk-refuse');
    await expect.poll(() => statusText(page)).toMatch(/presented a ssh-ed25519 host key .* is on record with ecdsa-sha2-nistp256 SHA256:/);
    expect(await page.evaluate(() => window.tessera!.app.knownHostsText())).not.toMatch(/ssh-ed25519/);
    await context.close();
  }, 60_000);

  it('refuses a server the relay does not allow, with the relay’s reason', async () => {
    const { context, page } = await stack.newPage();
    await openApp(page, stack.baseUrl);
    await page.fill('#port', '1');
    await connectWithPassword(page, sshd);
    await expect.poll(() => statusText(page), { timeout: 15_000 }).toMatch(/^The relay ended the connection: .+/);
    await context.close();

    // A worker that cannot start (its script fails to load here) leaves SSH in the page, same outcome.
    const second = await stack.newPage();
    await second.page.addInitScript(() => {
      const Real = window.Worker;
      const w = window as unknown as { workerAttempts: number };
      w.workerAttempts = 0;
      window.Worker = class extends Real {
        constructor(_url: string | URL, options?: WorkerOptions) { w.workerAttempts++; super('/no-such-worker.js', options); }
      };
    });
    await openApp(second.page, stack.baseUrl);
    await second.page.fill('#port', '1');
    await connectWithPassword(second.page, sshd);
    await expect.poll(() => statusText(second.page), { timeout: 15_000 }).toMatch(/^The relay ended the connection: .+/);
    expect(await second.page.evaluate(() => (window as unknown as { workerAttempts: number }).workerAttempts)).toBe(1);
    expect(sshWorkers(second.page)).toBe(0);
    await second.context.close();
  }, 60_000);

  it('kiosk policy: no trust on first use, nothing persisted, cleared after the idle timeout', async () => {
    const kiosk = await startRelay({
      config: {
        listen: { host: '127.0.0.1', port: 0 },
        targets: { allow: [`127.0.0.1:${sshd.port}`], allowPrivate: ['127.0.0.0/8'] },
        static: { dir: stack.staticDir },
        // The idle timer runs from the last input (the Connect click): the refused connection and the checks below
        // must be done before it clears the page, so it is 10 s, not a tight 3 s.
        site: { mode: 'kiosk', idleTimeoutSeconds: 10, defaultHost: '127.0.0.1', defaultPort: sshd.port, defaultUser: sshd.user },
      },
      log: () => undefined,
    });
    const context = await stack.browser.newContext({ viewport: { width: 1280, height: 760 } });
    try {
      const page = await context.newPage();
      await openApp(page, kiosk.url.replace(/^ws:/, 'http:'));
      expect(await page.isVisible('#mode-badge')).toBe(true);
      expect(await page.isVisible('#profiles')).toBe(false);
      // Only the administrator's host keys count: nothing can be imported on a shared kiosk.
      expect(await page.isVisible('#import-known-hosts')).toBe(false);
      const line = `[127.0.0.1]:${sshd.port} ${sshd.hostKeys[0]!.key.publicLine.split(/\s+/).slice(0, 2).join(' ')}`;
      expect(await page.evaluate((text) => window.tessera!.app.importKnownHosts(text), line)).toBe(0);
      expect(await page.textContent('#known-hosts-summary')).toMatch(/cannot be imported here/);
      // An unknown host key is refused without a prompt: kiosks never trust on first use.
      await connectWithPassword(page, sshd);
      await expect.poll(() => statusText(page), { timeout: 20_000 }).toMatch(/is not provisioned for \[127\.0\.0\.1\]:\d+/);
      expect(await page.isVisible('#host-key-dialog')).toBe(false);
      expect(await page.evaluate(() => indexedDB.databases().then((d) => d.map((x) => x.name)))).not.toContain('tessera');
      // No input for idleTimeoutSeconds: the page clears itself.
      await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Closed: The session ended after a period without activity/);
      // The form is back to the site's defaults (what the last user typed is gone; kiosk-clear.test.ts).
      expect(await page.inputValue('#host')).toBe('127.0.0.1');
      expect(await page.inputValue('#user')).toBe(sshd.user);
    } finally {
      await context.close();
      await kiosk.close({ drainMs: 0 });
    }
  }, 60_000);
});
