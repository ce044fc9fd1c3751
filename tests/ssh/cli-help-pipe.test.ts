// `tessera --help | head -1`: the reader leaves before the text is written (EPIPE). The command ends quietly with
// its status, as a Unix tool in a pipeline; before, Node printed an "Unhandled 'error' event" stack trace, exit 1.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../peers/index.ts';

describe('tessera help text into a closed pipe', () => {
  it.each([[['--help'], 0], [['ssh', '--help'], 0], [[], 2]])('tessera %j: no stack trace, status %i', (args, status) => {
    const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
    const cli = [process.execPath, join(repoRoot, 'cli', 'tessera.js'), ...args].map(quote).join(' ');
    // The reader closes its end at once, so every write fails.
    const run = spawnSync('/bin/bash', ['-c', `${cli} | (exec 0<&-; sleep 1); echo "status \${PIPESTATUS[0]}"`], { encoding: 'utf8', timeout: 20_000 });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`status ${status}\n`);
  });
});
