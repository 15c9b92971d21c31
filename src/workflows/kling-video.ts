// One job = one workflow (id = job id): accept → submit → wait → confirm, bill and finish (architecture.md).
// Two workflow tasks and 16 history events for a job that succeeds, whatever the generation time: accept and
// submit are local activities of the first workflow task, confirm-bill-finish one of the second, and nothing polls
// per job — the account's task sweep wakes the job when its task ended (./wait.ts). Deterministic: all I/O is in activities; the confirming query
// decides whether to bill, the persisted request how much.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { AcceptedJob, JobActivities, JobFinish, Settled, TaskRef } from '../activities/index.js';
import {
  jobStatusQuery,
  type JobFailureInfo,
  type JobPhase,
  type JobResult,
  type JobStatus,
} from '../definitions/job.js';
import { JobFailureType } from '../domain/job-failure.js';
import { klingModelKey, klingTaskIdKey } from '../temporal/search-attributes.js';
import { jobTelemetry } from './job-telemetry.js';
import { klingVideoBeforeSweep } from './legacy/kling-video.js';
import { accountSlot } from './slot-holder.js';
import { TaskWait } from './wait.js';

/**
 * Jobs started before this patch took 7 workflow tasks (normal activities, a poll per job): their histories have no
 * marker for it and replay on that path (./legacy) until they end. A patch rather than Worker Versioning: one worker
 * build serves both shapes, so deployments keep rolling workers on one task queue without pinning runs to builds.
 */
const LOCAL_STEPS_AND_SWEEP = 'local-steps-and-sweep';
/**
 * Jobs started since this patch submit their task as a local activity in the workflow task that accepted them (two
 * workflow tasks a job instead of three). Jobs started between the two patches carry only the marker above and keep
 * submitting with the normal activity. The newer patch is asked first, so a new job records one marker, not two
 * (each marker costs two events: the marker and Core's TemporalChangeVersion upsert).
 */
const LOCAL_SUBMIT = 'local-submit';

// Store steps as local activities: run in the workflow task that needs them, one marker event each. Few, short
// retries, because a local retry backoff over a minute becomes a timer and a workflow task that runs past 8 s is
// heartbeated (3 events each time); a store still down after them gets the normal activity's retries (hereFirst).
const local = proxyLocalActivities<JobActivities>({
  startToCloseTimeout: '10 seconds',
  retry: {
    initialInterval: '500 milliseconds',
    maximumInterval: '4 seconds',
    maximumAttempts: 4,
    nonRetryableErrorTypes: [JobFailureType.invalidRequest, JobFailureType.jobIdConflict],
  },
});
const remote = proxyActivities<JobActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 hour',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: [JobFailureType.invalidRequest, JobFailureType.jobIdConflict],
  },
});

// The create, first as one local attempt in the workflow task that accepted the job: a create answered at once (the
// usual case) then costs no activity events and no workflow task of its own. Its timeout is above the Kling
// client's 30 s request timeout, so a create is never abandoned while it may still land. Whether a create was
// already sent is kept by the store (submitTask), so a worker that dies mid-create leaves the next attempt looking
// the task up before it creates a second paid one.
const here = proxyLocalActivities<JobActivities>({
  startToCloseTimeout: '40 seconds',
  retry: { maximumAttempts: 1 },
});

// When that attempt fails for a reason that may heal, the normal activity takes over: a create can take minutes
// (each request may run to Kling's 30 s timeout, 1303 backs off), which as local retries would mean heartbeated
// workflow tasks and retry timers; the server keeps its attempts without holding a workflow task, and a dedicated
// queue can rate-limit it server-side. It heartbeats, so a completion the server lost (a history-service restart)
// costs the heartbeat timeout, not the start-to-close one.
const { submitTask } = proxyActivities<JobActivities>({
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

// One query and one transaction: local, briefly retried; when it still fails the job looks again soon (./wait.ts).
const { settleJob } = proxyLocalActivities<JobActivities>({
  startToCloseTimeout: '45 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '4 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes: [JobFailureType.klingRejected, 'JobNotBillable'],
  },
});

export async function klingVideo(payload: unknown): Promise<JobResult> {
  const submitsHere = patched(LOCAL_SUBMIT);
  if (!submitsHere && !patched(LOCAL_STEPS_AND_SWEEP)) return await klingVideoBeforeSweep(payload);

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
  const wait = new TaskWait();

  // 1. accept — an invalid payload fails here, before anything is submitted or charged.
  let accepted: AcceptedJob;
  try {
    accepted = await hereFirst(
      () => local.acceptJob({ jobId, payload }),
      () => remote.acceptJob({ jobId, payload }),
    );
  } catch (error) {
    const failure = applicationFailureOf(error);
    if (failure === undefined) throw error;
    const type = (failure.type ?? JobFailureType.invalidRequest) as JobFailureType;
    update({ phase: 'rejected', failure: { type, message: failure.message } });
    throw ApplicationFailure.create({
      type,
      message: failure.message,
      details: failure.details ?? [],
      nonRetryable: true,
    });
  }
  update({
    phase: 'submitting',
    model: accepted.model,
    family: accepted.family,
    inputType: accepted.quote.inputType,
    quote: accepted.quote,
  });
  // Written once, when the task id is known (or the job ends without one).
  let indexed = false;
  const index = (taskId?: string): void => {
    if (indexed) return;
    indexed = true;
    upsertSearchAttributes([
      { key: klingModelKey, value: accepted.model },
      ...(taskId === undefined ? [] : [{ key: klingTaskIdKey, value: taskId }]),
    ]);
  };

  const slot = accepted.wait.slots === undefined ? undefined : accountSlot(jobId, accepted.wait.slots);
  try {
    // 1b. queue — at the account's concurrency limit, wait for a slot rather than collect 1303 answers.
    if (slot !== undefined) {
      update({ phase: 'queued' });
      await slot.acquire();
      update({ phase: 'submitting' });
    }

    // 2. submit — idempotent on the job id (external_task_id), so a retry never makes a second paid task.
    const task = submitsHere ? await submitHereFirst(jobId) : await submitTask({ jobId });
    index(task.taskId);
    update({ phase: 'waiting', klingTaskId: task.taskId, klingStatus: task.status });

    // 3. wait — for the sweep's wake-up or the job's own slow check, within the budget; then
    // 4. confirm, bill, finish — one local activity: one query of the task; on success the bill line (priced from
    //    the persisted request) and the finished job row in one transaction; on failure the reason recorded.
    //    Where the task is read comes with the submit's result (`api`, Kling's new API only), so the commands stay
    //    those of every committed history: no patch needed, a legacy task's ref is unchanged.
    const ref: TaskRef = {
      jobId,
      taskId: task.taskId,
      family: accepted.family,
      ...(task.api === 'new' ? { api: task.api } : {}),
    };
    wait.watch(task.taskId, accepted.wait);
    for (;;) {
      const wakeUp = await wait.next();
      const settled = await settle(ref);
      if (settled === undefined) wait.settleFailed();
      else if (settled.status === 'running') {
        wait.settled();
        update({ klingStatus: settled.klingStatus });
      } else if (settled.status === 'failed') {
        const failure = { type: JobFailureType.klingTaskFailed, message: settled.message };
        update({ phase: 'failed', klingStatus: 'failed', failure });
        throw ApplicationFailure.create({ ...failure, nonRetryable: true });
      } else {
        // Kling's own report of its charge (new API) rides in the settle's result, beside our bill, never priced.
        const { videos, bill, klingBilling } = settled;
        update({ phase: 'succeeded', klingStatus: 'succeed', videos, bill, klingBilling });
        return {
          jobId,
          klingTaskId: task.taskId,
          status: 'succeed',
          videos,
          bill,
          ...(klingBilling === undefined ? {} : { klingBilling }),
        };
      }
      if (wakeUp === 'budget spent') {
        const minutes = Math.round(accepted.wait.budgetMs / 600) / 100;
        const message = `Kling task ${task.taskId} did not finish within the job's budget of ${minutes} min.`;
        return await fail({ type: JobFailureType.timedOut, message }, 'timed_out');
      }
    }
  } catch (error) {
    index();
    if (isCancellation(error)) {
      // Kling has no cancel endpoint: the task runs on, but this job ends unbilled.
      await CancellationScope.nonCancellable(() =>
        finishJob({ outcome: 'cancelled', failureType: 'Cancelled', reason: 'The job was cancelled.' }),
      );
      update({ phase: 'cancelled' });
      throw error;
    }
    const failure = applicationFailureOf(error);
    // Kling refused the task, or the store refused what it was given (no retry changes either): the job ends
    // failed and its row says why, rather than staying open behind a failed workflow.
    if (failure?.type === JobFailureType.klingRejected || failure?.type === JobFailureType.storeRejected)
      return await fail({ type: failure.type, message: failure.message }, 'failed');
    throw error;
  } finally {
    // Every ending. A timed-out or cancelled job's Kling task may still run (there is no cancel endpoint); its
    // slot is freed anyway, and a 1303 that follows is retried with backoff by the next submit.
    await slot?.release();
  }

  /** The confirming query and what it wrote; `undefined` when Kling or the store did not answer. */
  async function settle(ref: TaskRef): Promise<Settled | undefined> {
    try {
      // Not cancellable: a bill written is reported, whatever a cancel asks meanwhile.
      return await CancellationScope.nonCancellable(() => settleJob(ref));
    } catch (error) {
      if (isFinal(error)) throw error;
      return undefined;
    }
  }

  function finishJob(outcome: JobFinish): Promise<void> {
    return hereFirst(
      () => local.finishJob({ jobId, outcome }),
      () => remote.finishJob({ jobId, outcome }),
    );
  }

  async function fail(
    failure: JobFailureInfo,
    phase: Extract<JobPhase, 'failed' | 'timed_out'>,
  ): Promise<never> {
    await finishJob({ outcome: phase, failureType: failure.type, reason: failure.message });
    update({ phase, failure });
    throw ApplicationFailure.create({ type: failure.type, message: failure.message, nonRetryable: true });
  }
}

/**
 * The create as one local attempt, then the normal activity. When Kling throttled the local attempt (1302/1303), its
 * failure's details carry the backoff Kling asks for (`retryAfterMs`, src/activities/failures.ts), and the
 * activity's first attempt waits it out (a timer, only then) instead of asking the busy account again at once.
 */
async function submitHereFirst(jobId: string) {
  try {
    return await here.submitTask({ jobId });
  } catch (error) {
    if (isFinal(error)) throw error;
    const backoffMs = retryAfterMsOf(error);
    if (backoffMs !== undefined) await sleep(backoffMs);
    return await submitTask({ jobId });
  }
}

function retryAfterMsOf(error: unknown): number | undefined {
  const [details] = applicationFailureOf(error)?.details ?? [];
  const ms = (details as { retryAfterMs?: unknown } | null | undefined)?.retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? Math.min(ms, 60_000) : undefined;
}

/**
 * A step as a local activity; when its local attempts fail for a reason that may heal (the store is down, Kling
 * slow), the same step as a normal activity, whose retries the server keeps without holding a workflow task.
 */
async function hereFirst<T>(local: () => Promise<T>, remote: () => Promise<T>): Promise<T> {
  try {
    return await local();
  } catch (error) {
    if (isFinal(error)) throw error;
    return await remote();
  }
}

/**
 * A failure no retry can change: a cancel, or an error the activity threw non-retryable (bad input, Kling's refusal,
 * the store's). Judged by the cause, not by an ActivityFailure's retry state: a local activity's failure reaches the
 * workflow as its ApplicationFailure itself, unwrapped, also when its attempts ran out on an error that heals (the
 * store down) — which must go on to the normal activity's retries, not end the job.
 */
function isFinal(error: unknown): boolean {
  return isCancellation(error) || applicationFailureOf(error)?.nonRetryable === true;
}

/** The ApplicationFailure behind an activity failure (or the failure itself). */
function applicationFailureOf(error: unknown): ApplicationFailure | undefined {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) return error.cause;
  return undefined;
}
