// The typed failures a job can end with: ApplicationFailure types shared by the activities that raise them,
// the workflow that ends with them and the orchestrators that read them.
export const JobFailureType = {
  /** The payload is invalid; details list every problem. Nothing was submitted or billed. */
  invalidRequest: 'InvalidRequest',
  /** The job id already holds a different request. */
  jobIdConflict: 'JobIdConflict',
  /** Kling refused the request (a fatal Kling error code). */
  klingRejected: 'KlingRejected',
  /** The Kling task ended `failed`; the message carries Kling's task_status_msg. */
  klingTaskFailed: 'KlingTaskFailed',
  /** The task did not finish within the job's budget. */
  timedOut: 'JobTimedOut',
  /** The database refused the job's data (src/store/errors.ts): a bug past every input check; alarmed at once. */
  storeRejected: 'StoreRejected',
  /**
   * The job's model goes to Kling's new API, which takes only an API key, and the worker has none (KLING_API_KEY).
   * Refused at acceptance: nothing was submitted or billed.
   */
  klingNotConfigured: 'KlingNotConfigured',
} as const;
export type JobFailureType = (typeof JobFailureType)[keyof typeof JobFailureType];
