#!/usr/bin/env node
// The `tessera` command. The sources are TypeScript: a prebuilt bundle (scripts/build-cli.mjs, run by
// scripts/setup.sh) starts fast; when any source is newer than it, tsx loads the sources instead.
// The freshness check stats every source file synchronously (~300 files, 1-2 ms warm): the same check through
// fs/promises, overlapped with loading the bundle, cost ~25 ms of main-thread time per start (bench/ssh/handshake.ts).
import { fileURLToPath } from 'node:url';
import { isFresh } from '../scripts/cli-sources.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = new URL('../.build/cli/tessera.js', import.meta.url);

let main;
if (isFresh(root, fileURLToPath(bundle))) {
  ({ main } = await import(bundle.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
