// `tessera` runs from the esbuild bundle only when it is newer than every source (cli/tessera.js), and falls back to
// transpiling with tsx otherwise, which adds ~1-2 s per start and loads code the shipped command does not (tsx's
// loader). The benchmarks and the tests of the command measure it as shipped, so they (re)build the bundle when a
// source changed since (`npm test` builds it in scripts/setup.sh; a `vitest run` after an edit would not).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../peers/repo.ts';
// @ts-expect-error: a plain ES module script without type declarations
import { isFresh } from '../../scripts/cli-sources.mjs';

export function ensureCliBundle(): void {
  if ((isFresh as (root: string, built: string) => boolean)(repoRoot, join(repoRoot, '.build', 'cli', 'tessera.js'))) return;
  console.log('building the tessera command bundle (scripts/build-cli.mjs)');
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build-cli.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('scripts/build-cli.mjs failed: the tessera command would run through tsx');
}
