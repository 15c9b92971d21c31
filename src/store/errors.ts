/** An update named a job that was never inserted: a caller bug, not something a retry can fix. */
export class JobNotFoundError extends Error {
  override readonly name = 'JobNotFoundError';
  constructor(readonly jobId: string) {
    super(`job ${jobId} does not exist`);
  }
}

/**
 * The job already records a different Kling task. Overwriting it would lose track of a task Kling may bill,
 * so the second one is refused.
 */
export class SubmissionConflictError extends Error {
  override readonly name = 'SubmissionConflictError';
  constructor(
    readonly jobId: string,
    readonly recordedTaskId: string,
    readonly attemptedTaskId: string,
  ) {
    super(`job ${jobId} is already submitted as Kling task ${recordedTaskId}, not ${attemptedTaskId}`);
  }
}

/**
 * What a failed store call means for a retry, decided in this one place (as src/kling/errors.ts does for Kling):
 * - `rejected`: the database refused the data itself, or our own guard did; the same call fails again forever;
 * - `unavailable`: the database could not be reached or gave up on the statement; a retry may succeed.
 * `undefined` for an error that did not come from the store.
 */
export type StoreErrorKind = 'rejected' | 'unavailable';

/**
 * SQLSTATE classes that no retry heals: 22 data exception (a NUL byte, a number out of range), 23 integrity
 * constraint, 42 syntax or access rule, 54 program limit, 0A feature not supported. Every other class (08
 * connection, 40 rollback, 53 resources, 57 shutdown, 58 I/O, …) is worth retrying.
 */
const REJECTED_SQLSTATE_CLASSES: ReadonlySet<string> = new Set(['22', '23', '42', '54', '0A']);

/** node-postgres's own words when a connection drops or times out; these errors carry no code. */
const DROPPED_CONNECTION = /^Connection terminated|timeout exceeded when trying to connect/;

export function classifyStoreError(error: unknown): StoreErrorKind | undefined {
  if (
    error instanceof JobNotFoundError ||
    error instanceof SubmissionConflictError ||
    error instanceof InvalidKlingBillingError
  )
    return 'rejected';
  if (!(error instanceof Error)) return undefined;
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  // Both drivers raise the server's ErrorResponse with its severity and SQLSTATE.
  if (typeof severity === 'string' && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    return REJECTED_SQLSTATE_CLASSES.has(code.slice(0, 2)) ? 'rejected' : 'unavailable';
  }
  // Node's socket errors (ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE, ENOTFOUND, EAI_AGAIN, …).
  if (typeof code === 'string' && /^E[A-Z_]+$/.test(code) && 'syscall' in error) return 'unavailable';
  if (DROPPED_CONNECTION.test(error.message)) return 'unavailable';
  return undefined;
}

/**
 * Kling's billing report failed the bounds checked before any write (src/domain/kling-billing.ts): storing it
 * would let an outside answer put anything into the table, and no retry makes it acceptable.
 */
export class InvalidKlingBillingError extends Error {
  override readonly name = 'InvalidKlingBillingError';
  constructor(
    readonly jobId: string,
    problems: string,
  ) {
    super(`Kling billing of job ${jobId} refused: ${problems}`);
  }
}
