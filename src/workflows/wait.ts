// Step 3, waiting for the Kling task. One check per activity attempt; the retry policy is the timer
// (backoff 1, interval = poll interval, schedule-to-close = the budget). Retries are not recorded in history,
// so a job polled 100 times has the same history as one polled twice, and no worker slot is held between polls.
import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  sleep,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { JobActivities, TaskOutcome, TaskRef, WaitPolicy } from '../activities/index.js';
import { JobFailureType } from '../domain/job-failure.js';

export async function waitForTask(ref: TaskRef, policy: WaitPolicy): Promise<TaskOutcome> {
  const { checkTask } = proxyActivities<JobActivities>({
    startToCloseTimeout: '1 minute',
    scheduleToCloseTimeout: policy.budgetMs,
    retry: {
      initialInterval: policy.pollIntervalMs,
      backoffCoefficient: 1,
      maximumInterval: policy.pollIntervalMs,
      nonRetryableErrorTypes: [JobFailureType.klingRejected],
    },
  });
  // A task is never done the instant it is submitted: the first check waits one interval.
  await sleep(policy.pollIntervalMs);
  try {
    return await checkTask(ref);
  } catch (error) {
    if (
      error instanceof ActivityFailure &&
      (error.retryState === 'TIMEOUT' || error.cause instanceof TimeoutFailure)
    ) {
      const minutes = Math.round(policy.budgetMs / 600) / 100;
      const last = error.cause instanceof ApplicationFailure ? ` (last seen: ${error.cause.message})` : '';
      throw ApplicationFailure.create({
        type: JobFailureType.timedOut,
        message: `Kling task ${ref.taskId} did not finish within the job's budget of ${minutes} min${last}.`,
        nonRetryable: true,
      });
    }
    throw error;
  }
}
