import type { Command } from './command.ts';
import { UsageError } from './command.ts';

/** Subcommands, loaded lazily so that `tessera relay` does not load the card stack. */
const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  relay: () => import('./relay.ts'),
  demo: () => import('./demo.ts'),
  atr: () => import('./atr.ts'),
  card: () => import('./card.ts'),
  pki: () => import('./pki.ts'),
  ssh: () => import('./ssh.ts'),
};

function usage(): string {
  const names = Object.keys(COMMANDS).sort();
  return `usage: tessera <command> [options]\n\ncommands:\n${names.map((n) => `  ${n}`).join('\n')}\n`;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`tessera: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  try {
    const { command } = await load();
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tessera ${name}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
