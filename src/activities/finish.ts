import type { JobFinish } from '../store/job.js';
import type { ActivityDeps } from './deps.js';

export type { JobFinish };

/** Step 5: record the outputs or the failure reason on the job row. A finished job stays finished. */
export function finishJob(deps: ActivityDeps) {
  return async ({ jobId, outcome }: { jobId: string; outcome: JobFinish }): Promise<void> => {
    await deps.store.finishJob(jobId, outcome);
  };
}
