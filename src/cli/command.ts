/** Exit codes shared by every `kling-video` command. */
export const EXIT_OK = 0;
/** A job ended unexpectedly (Kling failure, timeout, cancellation). */
export const EXIT_JOB_FAILED = 1;
/** Bad input or configuration: nothing was submitted or charged. */
export const EXIT_USAGE = 2;

/** One `kling-video` subcommand. `run` returns the process exit code; it never calls `process.exit`. */
export interface Command {
  /** Full `--help` text. */
  readonly help: string;
  run(argv: readonly string[]): Promise<number>;
}

/** An error the user can fix by changing their input; printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
