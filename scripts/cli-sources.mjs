// The sources the `tessera` command is built from, and whether a build is newer than all of them.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const CLI_SOURCE_DIRS = ['cli', 'ssh-proto', 'card', 'ccid', 'pki', 'identity', 'relay', 'sim', 'tests/peers', 'tests/support'];

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** True when `builtFile` exists and is newer than every source file and package-lock.json. */
export function isFresh(root, builtFile) {
  let built;
  try { built = statSync(builtFile).mtimeMs; } catch { return false; }
  const inputs = [statSync(join(root, 'package-lock.json')).mtimeMs, ...CLI_SOURCE_DIRS.map((d) => newestMtime(join(root, d)))];
  return inputs.every((m) => m < built);
}
