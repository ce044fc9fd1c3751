/** One `tessera` subcommand. Each lives in its own file and is loaded only when used. */
export interface Command {
  /** Runs the command; the result is the process exit code. */
  run(args: readonly string[]): Promise<number>;
  /** The exit code of a UsageError; default 2. `tessera ssh` uses ssh(1)'s 255, its own failures' code. */
  readonly usageExitCode?: number;
}

/** A usage error: exit code 2 (Command.usageExitCode), the message printed without a stack. */
export class UsageError extends Error {
  readonly code = 'USAGE';
  override readonly name = 'UsageError';
}

/** `--help`: the text goes to stdout and the exit code is 0. */
export class HelpRequested extends Error {
  readonly code = 'HELP';
  override readonly name = 'HelpRequested';
}
