// Builds the `tessera` command into one ES module bundle (with lazily loaded chunks per subcommand),
// so it starts without transpiling ~300 TypeScript files each time. cli/tessera.js uses it when it
// is newer than every source file and falls back to tsx otherwise.
//
// npm packages are bundled too: resolving and pre-parsing each CommonJS package (ws, @peculiar/*)
// at start-up cost `tessera ssh` ~130 ms of its ~630 ms (bench/ssh/handshake.ts, loaded machine).
// Native addons and development tools stay external.
//
// The output stays two folders below the repository root (.build/cli/): code that finds the
// repository from its own location (sim/ccid/profile-dir.ts, tests/peers/repo.ts) goes up two folders.
// It is built beside and swapped in by rename, so a `tessera` starting meanwhile never sees half a build.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const EXTERNAL = ['usb', 'sodium-native', 'bufferutil', 'utf-8-validate', 'tsx', 'tsx/*', 'esbuild', 'vite', 'vitest', 'ssh2', 'playwright-core'];

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}.build/cli`;
const staging = `${root}.build/cli-${process.pid}`;
const old = `${root}.build/cli-old-${process.pid}`;
rmSync(staging, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { tessera: 'cli/main.ts' },
  outdir: staging,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  // Bundled CommonJS packages call require(): give the ES module output one.
  banner: { js: "import { createRequire as __tesseraRequire } from 'node:module'; const require = __tesseraRequire(import.meta.url);" },
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
});
// The sources the bundle holds, for the freshness check at each start (scripts/cli-sources.mjs).
const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('node_modules/') && !p.includes(':'));
writeFileSync(`${staging}/inputs.json`, JSON.stringify(inputs));
try { renameSync(outdir, old); } catch { /* first build */ }
renameSync(staging, outdir);
rmSync(old, { recursive: true, force: true });
