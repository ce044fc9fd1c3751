// The keys module in a real browser (Chromium): bundled for the browser platform (no Node built-ins),
// it decrypts a passphrase-protected key from ssh-keygen (bcrypt-pbkdf is pure JS, AES through WebCrypto)
// and signs; Node then verifies the signature.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { verifySignature } from './index.ts';
import type * as KeysModule from './index.ts';

const CHROMIUM = '/usr/bin/chromium';
const KEYGEN = '/usr/bin/ssh-keygen';
for (const p of [CHROMIUM, KEYGEN]) if (!existsSync(p)) throw new Error(`${p} is missing: run scripts/setup.sh`);

let dir: string;
let server: Server;
let browser: Browser;
let origin: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-keys-browser-'));
  const out = await build({
    entryPoints: [join(import.meta.dirname, 'index.ts')], bundle: true, platform: 'browser', format: 'iife',
    globalName: 'TesseraKeys', write: false, logLevel: 'silent',
  });
  const script = out.outputFiles[0]!.text;
  const page = `<!doctype html><meta charset="utf-8"><script>${script.replace(/<\/script/g, '<\\/script')}</script>`;
  server = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end(page); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  origin = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/`; // loopback: a secure context
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

it.each([['ed25519', ['-t', 'ed25519']], ['ecdsa', ['-t', 'ecdsa']], ['rsa', ['-t', 'rsa', '-b', '2048']]])(
  'decrypts a passphrase-protected %s key in Chromium and signs with it', { timeout: 60_000 }, async (name, args) => {
    const f = join(dir, name);
    execFileSync(KEYGEN, ['-q', '-N', 'browser pass', '-a', '4', '-f', f, ...args]);
    const page = await browser.newPage();
    try {
      await page.goto(origin);
      const data = [1, 2, 3, 4];
      const result = await page.evaluate(async ({ text, data }) => {
        const keys = (globalThis as unknown as { TesseraKeys: typeof KeysModule }).TesseraKeys;
        const wrong = await keys.parsePrivateKeyFile(text, 'nope').then(() => 'loaded', (e: { code?: string }) => e.code);
        const key = await keys.parsePrivateKeyFile(text, 'browser pass');
        const sig = await key.sign(key.algorithms[0]!, new Uint8Array(data));
        return { wrong, alg: key.algorithms[0]!, publicKey: Array.from(key.publicKey), sig: Array.from(sig), secure: globalThis.isSecureContext };
      }, { text: readFileSync(f, 'utf8'), data });
      expect(result.secure).toBe(true);
      expect(result.wrong).toBe('KEY_PASSPHRASE_WRONG');
      const pub = Buffer.from(readFileSync(`${f}.pub`, 'utf8').split(' ')[1]!, 'base64');
      expect(Buffer.from(result.publicKey)).toEqual(pub);
      expect(await verifySignature(result.alg, pub, new Uint8Array(result.sig), new Uint8Array(data))).toBe(true);
    } finally {
      await page.close();
    }
  });
