// `-t` with stdin not a terminal (a pipe): ssh(1) allocates no pty and says so ("Pseudo-terminal will not be
// allocated because stdin is not a terminal."); only -tt forces one. With a pty, piped input is echoed back with
// CR LF and its end never reaches the command (a pty's EOF is ^D), so `echo data | tessera ssh -t host cat` hung.
import { describe, expect, it } from 'vitest';
import { useCliTarget } from './cli-target.ts';
import { startTesseraSsh } from '../identity/cli-run.ts';

describe('tessera ssh -t with stdin a pipe', () => {
  const target = useCliTarget();

  it('-t: no pty, as ssh(1): the data arrives as sent, its end too, and the status is kept', { timeout: 60_000 }, async () => {
    const cli = startTesseraSsh(['-t', ...target.base, '--', 'cat; exit 3'], 30_000);
    cli.child.stdin!.end('hello\n');
    const run = await cli.done;
    expect(run.stdout).toBe('hello\n');
    expect(run.stderr).toBe('Pseudo-terminal will not be allocated because stdin is not a terminal.\n');
    expect(run.code).toBe(3);
  });

  it('-tt: a pty all the same (the pty echoes the line and ends it with CR LF)', { timeout: 60_000 }, async () => {
    const cli = startTesseraSsh(['-tt', ...target.base, '--', 'head -1; exit 3'], 30_000);
    cli.child.stdin!.end('hello\n');
    const run = await cli.done;
    expect(run.stdout).toBe('hello\r\nhello\r\n');
    expect(run.code).toBe(3);
  });
});
