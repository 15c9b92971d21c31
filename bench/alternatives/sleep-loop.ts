// Alternative (a): the workflow sleeps and looks, in a loop. No worker slot is held between looks, but every
// look adds a timer, an activity and two workflow tasks to the history, so the history grows with the
// generation time.
import { ApplicationFailure, proxyActivities, sleep } from '@temporalio/workflow';
import { JobFailureType } from '../../src/domain/job-failure.js';
import type { AlternativeActivities } from './activities.js';
import { runJob, type JobResult } from './job-steps.js';

const { peekTask } = proxyActivities<AlternativeActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export async function sleepLoopJob(payload: unknown): Promise<JobResult> {
  return runJob(payload, async (ref, policy) => {
    const deadline = Date.now() + policy.budgetMs;
    for (;;) {
      await sleep(policy.pollIntervalMs);
      const sighting = await peekTask(ref);
      if (sighting.status === 'succeed' || sighting.status === 'failed')
        return { ...sighting, status: sighting.status };
      if (Date.now() >= deadline) {
        throw ApplicationFailure.create({
          type: JobFailureType.timedOut,
          message: `Kling task ${ref.taskId} did not finish within the job's budget.`,
          nonRetryable: true,
        });
      }
    }
  });
}
