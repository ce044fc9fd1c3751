#!/usr/bin/env node
// The `tessera` command. The sources are TypeScript: a prebuilt bundle (scripts/build-cli.mjs, run by
// scripts/setup.sh) starts fast; when any source is newer than it, tsx loads the sources instead.
// The freshness check (a stat of every source file) runs on the thread pool while the bundle loads:
// done one by one before it, it took 60-170 ms of each start (bench/ssh/handshake.ts).
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_SOURCE_DIRS } from '../scripts/cli-sources.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = new URL('../.build/cli/tessera.js', import.meta.url);

/** The newest modification time of the .ts files under `dir`. */
async function newestMtime(dir) {
  const entries = await readdir(dir, { withFileTypes: true });
  const times = await Promise.all(entries.map((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return newestMtime(path);
    return e.name.endsWith('.ts') ? stat(path).then((s) => s.mtimeMs) : 0;
  }));
  return Math.max(0, ...times);
}

/** Same rule as scripts/cli-sources.mjs isFresh: the bundle is newer than every source and package-lock.json. */
async function bundleIsFresh() {
  let built;
  try { built = (await stat(fileURLToPath(bundle))).mtimeMs; } catch { return false; }
  const inputs = await Promise.all([stat(join(root, 'package-lock.json')).then((s) => s.mtimeMs), ...CLI_SOURCE_DIRS.map((d) => newestMtime(join(root, d)))]);
  return inputs.every((m) => m < built);
}

const [fresh, built] = await Promise.all([bundleIsFresh(), import(bundle.href).catch(() => undefined)]);
let main;
if (fresh && built) {
  ({ main } = built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
