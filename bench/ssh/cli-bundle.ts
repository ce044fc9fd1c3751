// `tessera ssh` runs from the esbuild bundle only when it is newer than every source (cli/tessera.js), and falls
// back to transpiling with tsx otherwise, which adds ~1-2 s per start. The benchmarks measure the command as
// shipped, so they (re)build the bundle when a source changed, before each timed run (outside its timing).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../tests/peers/index.ts';
// @ts-expect-error: a plain ES module script without type declarations
import { isFresh } from '../../scripts/cli-sources.mjs';

export function ensureCliBundle(): void {
  if ((isFresh as (root: string, built: string) => boolean)(repoRoot, join(repoRoot, '.build', 'cli', 'tessera.js'))) return;
  console.log('bench: building the tessera command bundle (scripts/build-cli.mjs)');
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build-cli.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('scripts/build-cli.mjs failed: the tessera command would run through tsx');
}
