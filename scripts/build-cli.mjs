// Builds the `tessera` command into one ES module bundle (with lazily loaded chunks per subcommand),
// so it starts without transpiling ~300 TypeScript files each time. cli/tessera.js uses it when it
// is newer than every source file and falls back to tsx otherwise. npm packages stay external.
//
// The output stays two folders below the repository root (.build/cli/): code that finds the
// repository from its own location (sim/ccid/profile-dir.ts, tests/peers/repo.ts) goes up two folders.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}.build/cli`;
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { tessera: 'cli/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
