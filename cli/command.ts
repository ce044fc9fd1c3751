/** One `tessera` subcommand. Each lives in its own file and is loaded only when used. */
export interface Command {
  readonly summary: string;
  /** Runs the command; the result is the process exit code. */
  run(args: readonly string[]): Promise<number>;
}

/** A usage error: exit code 2, the message printed without a stack. */
export class UsageError extends Error {
  readonly code = 'USAGE';
  override readonly name = 'UsageError';
}
