// Alternative (b): one activity waits for the whole job, looking at the task every poll interval and
// heartbeating. The history stays small, but the attempt holds one of the worker's activity slots
// (maxConcurrentActivityTaskExecutions, 100 by default) from submit to the end of generation.
import { proxyActivities } from '@temporalio/workflow';
import type { AlternativeActivities } from './activities.js';
import { runJob, type JobResult } from './job-steps.js';

export async function heartbeatJob(payload: unknown): Promise<JobResult> {
  return runJob(payload, (ref, policy) => {
    const { waitInActivity } = proxyActivities<AlternativeActivities>({
      startToCloseTimeout: policy.budgetMs,
      // A worker that dies mid-wait is noticed after a few missed intervals, not at the end of the budget.
      heartbeatTimeout: Math.max(3 * policy.pollIntervalMs, 10_000),
      retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
    });
    return waitInActivity(ref);
  });
}
