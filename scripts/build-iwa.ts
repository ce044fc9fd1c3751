// Builds the Isolated Web App: the page (vite build), an IWA manifest whose permissions policy
// grants `usb-unrestricted` (Chrome 128+: WebUSB may claim smart-card class 0x0B interfaces), the
// site policy bundled as /config.json, all in a web bundle (npm `wbn`) signed with an Ed25519
// key (npm `wbn-sign`, integrity block v2).
//
//   npx tsx scripts/build-iwa.ts --config site.json [--key iwa-key.pem] [--out dist/iwa] [--version 1.2.3]
//
// Without --key, a TEST signing key is generated once into node_modules/.cache/tessera-iwa/ (never
// ship that one: the app's identity, isolated-app://ID, is derived from the key).
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BundleBuilder } from 'wbn';
import { IntegrityBlockSigner, NodeCryptoSigningStrategy, WebBundleId, parsePemKey } from 'wbn-sign';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.webmanifest': 'application/manifest+json', '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.txt': 'text/plain; charset=utf-8',
};

export interface IwaBuildOptions {
  /** The site policy bundled as /config.json; it must name the relay (`relayUrl`, wss://). */
  readonly site: Record<string, unknown>;
  readonly keyFile?: string;
  readonly outDir: string;
  readonly version?: string;
}

export interface IwaBuild {
  readonly bundleId: string;
  readonly origin: string;
  readonly swbn: string;
  readonly keyFile: string;
}

/** The IWA manifest (https://github.com/WICG/isolated-web-apps): version and permissions policy are required. */
export function iwaManifest(version: string): Record<string, unknown> {
  const pwa = JSON.parse(readFileSync(join(ROOT, 'public/manifest.webmanifest'), 'utf8')) as Record<string, unknown>;
  return {
    ...pwa,
    id: '/',
    version,
    // usb-unrestricted lifts WebUSB's protected-class and device blocklists (Chrome 128+).
    permissions_policy: { usb: ['self'], 'usb-unrestricted': ['self'], 'cross-origin-isolated': ['self'] },
  };
}

function testKey(): string {
  const file = join(ROOT, 'node_modules/.cache/tessera-iwa/test-signing-key.pem');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  }
  return file;
}

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p)); else out.push(p);
  }
  return out;
}

export async function buildIwa(o: IwaBuildOptions): Promise<IwaBuild> {
  const relayUrl = o.site['relayUrl'];
  if (typeof relayUrl !== 'string' || !relayUrl.startsWith('wss://')) {
    throw new Error('The site policy must set "relayUrl" to the relay\'s wss:// URL: an Isolated Web App has no relay on its own origin.');
  }
  const keyFile = o.keyFile ?? testKey();
  const key = parsePemKey(readFileSync(keyFile));
  const bundleId = new WebBundleId(key).serialize();
  const origin = new WebBundleId(key).serializeWithIsolatedWebAppOrigin().replace(/\/$/, '');
  const page = mkdtempSync(join(tmpdir(), 'tessera-iwa-'));
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', page, '--emptyOutDir', '--logLevel', 'error'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
    mkdirSync(join(page, '.well-known'), { recursive: true });
    writeFileSync(join(page, '.well-known/manifest.webmanifest'), JSON.stringify(iwaManifest(o.version ?? '0.1.0'), null, 2));
    writeFileSync(join(page, 'config.json'), JSON.stringify(o.site, null, 2));
    // The bundle is the app shell; the PWA's service worker is not used in an IWA.
    for (const f of ['sw.js', 'precache-manifest.json']) rmSync(join(page, f), { force: true });
    const builder = new BundleBuilder('b2');
    for (const file of files(page)) {
      const path = `/${relative(page, file).split('\\').join('/')}`;
      const headers = { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' };
      const body = new Uint8Array(readFileSync(file));
      builder.addExchange(`${origin}${path}`, 200, headers, body);
      if (path === '/index.html') builder.addExchange(`${origin}/`, 200, headers, body);
    }
    const bundle = builder.createBundle();
    const { signedWebBundle } = await new IntegrityBlockSigner(bundle, bundleId, [new NodeCryptoSigningStrategy(key)]).sign();
    mkdirSync(o.outDir, { recursive: true });
    const swbn = join(o.outDir, 'tessera.swbn');
    writeFileSync(swbn, signedWebBundle);
    writeFileSync(join(o.outDir, 'update-manifest.json'), JSON.stringify({ versions: [{ version: o.version ?? '0.1.0', src: 'tessera.swbn' }] }, null, 2));
    return { bundleId, origin, swbn, keyFile };
  } finally {
    rmSync(page, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<void> {
  let configFile: string | undefined;
  let keyFile: string | undefined;
  let outDir = join(ROOT, 'dist', 'iwa');
  let version: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const v = () => { const x = argv[++i]; if (x === undefined) throw new Error(`${argv[i - 1]} needs a value`); return x; };
    const a = argv[i];
    if (a === '--config') configFile = v();
    else if (a === '--key') keyFile = v();
    else if (a === '--out') outDir = resolve(v());
    else if (a === '--version') version = v();
    else throw new Error(`unknown option ${a}; usage: build-iwa.ts --config site.json [--key key.pem] [--out DIR] [--version X.Y.Z]`);
  }
  if (!configFile) throw new Error('--config site.json is required (it must set "relayUrl": "wss://...")');
  const site = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  const result = await buildIwa({ site, outDir, ...(keyFile ? { keyFile } : {}), ...(version ? { version } : {}) });
  process.stdout.write(`Isolated Web App: ${result.swbn}\n  origin ${result.origin}\n  signed with ${result.keyFile}${keyFile ? '' : ' (TEST key: pass --key for production)'}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`build-iwa: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
