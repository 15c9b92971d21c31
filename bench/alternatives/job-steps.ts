// The success path of src/workflows/kling-video.ts as it was before issue 15 (accept → submit → wait → bill →
// finish, with the same activity options and search-attribute upserts), with the wait left to the caller. Every
// alternative runs it, so their histories differ from one another only in the wait. Failure paths, the status
// query and the job's log lines and metrics are left out: the benchmark runs without faults, and none of them
// adds to the history.
import {
  ApplicationFailure,
  proxyActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { BillLine } from '../../src/domain/bill-line.js';
import { JobFailureType } from '../../src/domain/job-failure.js';
import { klingModelKey, klingTaskIdKey } from '../../src/temporal/search-attributes.js';
import type { WaitPolicy } from './deps.js';
import type { JobActivities, TaskOutcome, TaskRef } from './job-activities.js';

const { acceptJob } = proxyActivities<JobActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: [JobFailureType.invalidRequest, JobFailureType.jobIdConflict],
  },
});

const { submitTask } = proxyActivities<JobActivities>({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '30 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: [JobFailureType.klingRejected],
  },
});

const { billJob, finishJob } = proxyActivities<JobActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** A job that succeeded (src/workflows/definitions.ts' `JobResult`). */
export interface JobResult {
  readonly jobId: string;
  readonly klingTaskId: string;
  readonly status: 'succeed';
  readonly videos: TaskOutcome['videos'];
  readonly bill: BillLine;
}

export type Wait = (ref: TaskRef, policy: WaitPolicy) => Promise<TaskOutcome>;

export async function runJob(payload: unknown, wait: Wait): Promise<JobResult> {
  const jobId = workflowInfo().workflowId;
  const accepted = await acceptJob({ jobId, payload });
  upsertSearchAttributes([{ key: klingModelKey, value: accepted.model }]);
  const task = await submitTask({ jobId });
  upsertSearchAttributes([{ key: klingTaskIdKey, value: task.taskId }]);
  const outcome = await wait({ jobId, taskId: task.taskId, family: accepted.family }, accepted.wait);
  if (outcome.status === 'failed') {
    const message = `Kling task ${task.taskId} failed: ${outcome.statusMessage || '(no reason given)'}`;
    await finishJob({
      jobId,
      outcome: { outcome: 'failed', failureType: JobFailureType.klingTaskFailed, reason: message },
    });
    throw ApplicationFailure.create({ type: JobFailureType.klingTaskFailed, message, nonRetryable: true });
  }
  const bill = await billJob({ jobId });
  await finishJob({ jobId, outcome: { outcome: 'succeeded', outputs: outcome.videos } });
  return { jobId, klingTaskId: task.taskId, status: 'succeed', videos: outcome.videos, bill };
}
