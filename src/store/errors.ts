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

/** Only a job that is open or already succeeded, with this Kling task, can be billed. */
export class JobNotBillableError extends Error {
  override readonly name = 'JobNotBillableError';
  constructor(
    readonly jobId: string,
    readonly status: string,
  ) {
    super(`job ${jobId} cannot be billed: it is ${status} or has another Kling task`);
  }
}
