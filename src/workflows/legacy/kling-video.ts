// FROZEN: the path of jobs started before issue 15 (7 workflow tasks, ~42 events, a poll per job). klingVideo
// (../kling-video.ts) runs it for every history without the `local-steps-and-sweep` patch marker, so such jobs finish
// under new workers exactly as they began. Remove this folder once no such job is open (`WorkflowType = 'klingVideo'
// AND ExecutionStatus = 'Running' AND StartTime < <the release>` is empty) and deprecate the patch then.
// Change nothing here but imports and activity options (timeouts, retry bounds: replay does not compare them):
// every command it issues must match the histories it replays.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { JobActivities } from '../../activities/index.js';
import type { BillLine } from '../../domain/bill-line.js';
import { klingModelKey, klingTaskIdKey } from '../../temporal/search-attributes.js';
import { JobFailureType } from '../../domain/job-failure.js';
import {
  jobStatusQuery,
  type JobFailureInfo,
  type JobPhase,
  type JobResult,
  type JobStatus,
} from '../../definitions/job.js';
import { klingCallbackSignal, TaskHints } from './callback-hints.js';
import { accountSlot } from '../slot-holder.js';
import { jobTelemetry } from '../job-telemetry.js';
import { waitForTask } from './wait.js';

const { acceptJob } = proxyActivities<JobActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 hour',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: [JobFailureType.invalidRequest, JobFailureType.jobIdConflict],
  },
});

const { submitTask } = proxyActivities<JobActivities>({
  // The Kling client bounds each request; a create that timed out is looked up by external id on retry.
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '15 seconds',
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
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export async function klingVideoBeforeSweep(payload: unknown): Promise<JobResult> {
  const jobId = workflowInfo().workflowId;
  let status: JobStatus = {
    jobId,
    phase: 'accepting',
    model: undefined,
    family: undefined,
    inputType: undefined,
    klingTaskId: undefined,
    klingStatus: undefined,
    quote: undefined,
    bill: undefined,
    klingBilling: undefined,
    videos: [],
    failure: undefined,
  };
  const observe = jobTelemetry(status);
  const update = (change: Partial<JobStatus>) => (status = observe({ ...status, ...change }));
  setHandler(jobStatusQuery, () => status);
  // Registered from the start: a callback may race the submit's answer.
  const hints = new TaskHints();
  setHandler(klingCallbackSignal, (hint) => hints.offer(hint));

  // 1. accept — an invalid payload fails here, before anything is submitted or charged.
  let accepted;
  try {
    accepted = await acceptJob({ jobId, payload });
  } catch (error) {
    const failure = applicationFailureOf(error);
    if (failure !== undefined) {
      const type = (failure.type ?? JobFailureType.invalidRequest) as JobFailureType;
      update({ phase: 'rejected', failure: { type, message: failure.message } });
      throw ApplicationFailure.create({
        type,
        message: failure.message,
        details: failure.details ?? [],
        nonRetryable: true,
      });
    }
    throw error;
  }
  update({
    phase: 'submitting',
    model: accepted.model,
    family: accepted.family,
    inputType: accepted.quote.inputType,
    quote: accepted.quote,
  });
  upsertSearchAttributes([{ key: klingModelKey, value: accepted.model }]);

  const slot = accepted.wait.slots === undefined ? undefined : accountSlot(jobId, accepted.wait.slots);
  try {
    // 1b. queue — at the account's concurrency limit, wait for a slot rather than collect 1303 answers.
    if (slot !== undefined) {
      update({ phase: 'queued' });
      await slot.acquire();
      update({ phase: 'submitting' });
    }

    // 2. submit — idempotent on the job id (external_task_id), so a retry never makes a second paid task.
    const task = await submitTask({ jobId });
    update({ phase: 'waiting', klingTaskId: task.taskId, klingStatus: task.status });
    upsertSearchAttributes([{ key: klingTaskIdKey, value: task.taskId }]);

    // 3. wait — until Kling says succeed or failed, within the budget.
    const outcome = await waitForTask(
      { jobId, taskId: task.taskId, family: accepted.family },
      accepted.wait,
      hints,
    );
    // The task no longer counts against the account: the next job may submit while this one bills.
    await slot?.release();
    update({ klingStatus: outcome.status });
    if (outcome.status === 'failed') {
      const message = `Kling task ${task.taskId} failed: ${outcome.statusMessage || '(no reason given)'}`;
      return await fail({ type: JobFailureType.klingTaskFailed, message }, 'failed');
    }

    // 4. bill — on success only, from the persisted request; 5. finish.
    update({ phase: 'billing', videos: outcome.videos });
    const bill: BillLine = await billJob({ jobId });
    await finishJob({ jobId, outcome: { outcome: 'succeeded', outputs: outcome.videos } });
    update({ phase: 'succeeded', bill });
    return { jobId, klingTaskId: task.taskId, status: 'succeed', videos: outcome.videos, bill };
  } catch (error) {
    if (isCancellation(error)) {
      // Kling has no cancel endpoint: the task runs on, but this job ends unbilled.
      await CancellationScope.nonCancellable(() =>
        finishJob({
          jobId,
          outcome: { outcome: 'cancelled', failureType: 'Cancelled', reason: 'The job was cancelled.' },
        }),
      );
      update({ phase: 'cancelled' });
      throw error;
    }
    const failure = applicationFailureOf(error);
    if (failure?.type === JobFailureType.timedOut)
      return await fail({ type: failure.type, message: failure.message }, 'timed_out');
    if (failure?.type === JobFailureType.klingRejected)
      return await fail({ type: failure.type, message: failure.message }, 'failed');
    throw error;
  } finally {
    // Every other ending. A timed-out or cancelled job's Kling task may still run (there is no cancel
    // endpoint); its slot is freed anyway, and a 1303 that follows is retried with backoff by the next submit.
    await slot?.release();
  }

  async function fail(
    failure: JobFailureInfo,
    phase: Extract<JobPhase, 'failed' | 'timed_out'>,
  ): Promise<never> {
    await finishJob({
      jobId,
      outcome: { outcome: phase, failureType: failure.type, reason: failure.message },
    });
    update({ phase, failure });
    throw ApplicationFailure.create({ type: failure.type, message: failure.message, nonRetryable: true });
  }
}

/** The ApplicationFailure behind an activity failure (or the failure itself). */
function applicationFailureOf(error: unknown): ApplicationFailure | undefined {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) return error.cause;
  return undefined;
}
