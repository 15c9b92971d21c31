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
