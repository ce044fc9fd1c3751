// Whether the `tessera` bundle is newer than every source it was built from. scripts/build-cli.mjs records the
// bundle's inputs (esbuild's metafile, npm packages left out) in inputs.json beside it; the check stats just those
// files and package-lock.json, with no directory walk: ~180 stats, a few ms at each start (cli/tessera.js).
// A source file added later can only enter the bundle through an edit of a file already in it, which this sees.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';

/** The folders the bundle is built from (documentation for scripts/setup.sh and the bench; the check uses inputs.json). */
export const CLI_SOURCE_DIRS = ['cli', 'ssh-proto', 'card', 'ccid', 'pki', 'identity', 'relay', 'sim', 'tests/peers', 'tests/support'];

/** True when `builtFile` exists and is newer than each recorded input and package-lock.json. */
export function isFresh(root, builtFile) {
  let built;
  let inputs;
  try {
    built = statSync(builtFile).mtimeMs;
    inputs = JSON.parse(readFileSync(join(dirname(builtFile), 'inputs.json'), 'utf8'));
  } catch {
    return false;
  }
  if (!Array.isArray(inputs) || inputs.length === 0) return false;
  // `root` ends with a separator and the inputs are esbuild's normalised relative paths: plain concatenation, since
  // path.join's normalising of ~200 paths cost ~7 ms of each start (bench/ssh/handshake.ts).
  const base = root.endsWith(sep) ? root : root + sep;
  for (const file of ['package-lock.json', ...inputs]) {
    const s = statSync(base + file, { throwIfNoEntry: false });
    if (!s || s.mtimeMs >= built) return false;
  }
  return true;
}
