// Builds the page (index.html → dist/) and its service worker (web/pwa/service-worker.ts → dist/sw.js).
// The service worker caches the app shell listed in dist/precache-manifest.json (written below),
// so an offline reload still shows the page.
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

/** Files under public/ (copied as they are), as URL paths. */
function publicFiles(dir = 'public'): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (!e.name.startsWith('.')) out.push(`/${relative(dir, join(d, e.name)).split('\\').join('/')}`);
    }
  };
  walk(dir);
  return out;
}

/** Writes the list of built files the service worker precaches (the offline app shell). */
function precacheManifest(): Plugin {
  return {
    name: 'tessera-precache-manifest',
    apply: 'build',
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle)
        .filter((name) => name !== 'sw.js' && !name.endsWith('.map') && !name.endsWith('.swbn'))
        // libsodium (large, lazily loaded) is cached on first use by the service worker, not at install.
        .filter((name) => !/libsodium/i.test(name))
        .sort();
      const list = ['/', ...files.map((f) => `/${f}`), ...publicFiles()];
      const build = createHash('sha256').update(list.join('\n')).digest('hex').slice(0, 12);
      this.emitFile({ type: 'asset', fileName: 'precache-manifest.json', source: JSON.stringify({ build, files: list }, null, 1) });
      // The service worker's cache name carries the build id, so a new build replaces the old shell.
      const sw = bundle['sw.js'];
      if (sw && sw.type === 'chunk') sw.code = sw.code.replace('__TESSERA_BUILD__', build);
    },
  };
}

export default defineConfig({
  root: '.',
  publicDir: 'public',
  plugins: [precacheManifest()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // libsodium is one large lazily loaded chunk (WebAssembly inlined); the initial JS stays small.
    chunkSizeWarningLimit: 2500,
    rolldownOptions: {
      input: { main: 'index.html', sw: 'web/pwa/service-worker.ts' },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
  // The SSH worker (web/session/ssh-worker.ts) is an ES module, so libsodium stays a lazily loaded chunk.
  worker: { format: 'es' },
  server: { host: '127.0.0.1' },
});
