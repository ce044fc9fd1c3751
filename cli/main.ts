import type { Command } from './command.ts';
import { HelpRequested, UsageError } from './command.ts';
import { stderr } from './stderr.ts';

/** Subcommands, loaded lazily so that `tessera relay` does not load the card stack. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ command: Command }> }> = {
  relay: { summary: 'run the WebSocket-to-TCP relay (and serve the built page)', load: () => import('./relay.ts') },
  demo: { summary: 'run the relay, the page and a local test sshd: the whole flow with no hardware', load: () => import('./demo.ts') },
  atr: { summary: 'analyse a smart card ATR (hex bytes, spaces allowed)', load: () => import('./atr.ts') },
  card: { summary: 'list smart-card readers and cards (real USB, or --sim PROFILE for a virtual reader)', load: () => import('./card.ts') },
  pki: { summary: 'verify an X.509 certificate chain (RFC 5280, CRL, OCSP)', load: () => import('./pki.ts') },
  ssh: { summary: 'connect to an SSH server (directly or through the relay) and run a shell or a command', load: () => import('./ssh.ts') },
};

/** Help and usage text to stdout; a reader that left early (`tessera ssh --help | head -1`: EPIPE) ends it quietly. */
function printOut(text: string): void {
  process.stdout.on('error', () => undefined);
  process.stdout.write(text);
}

function usage(): string {
  const names = Object.keys(COMMANDS).sort();
  const width = Math.max(...names.map((n) => n.length));
  const lines = names.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n]!.summary}`);
  return `usage: tessera <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n'tessera <command> --help' describes a command's options.\n`;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    printOut(usage());
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name]?.load;
  if (!load) {
    stderr().write(`tessera: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  let command: Command | undefined;
  try {
    ({ command } = await load());
    return await command.run(rest);
  } catch (err) {
    if (err instanceof HelpRequested) {
      printOut(`${err.message}\n`);
      return 0;
    }
    if (err instanceof UsageError) {
      stderr().write(`tessera ${name}: ${err.message}\n`);
      return command?.usageExitCode ?? 2;
    }
    throw err;
  }
}
