// src/workflows/wait.ts as it was before issue 15, frozen: the wait of the `retry-poll` and `callbacks` designs.
// One check per activity attempt; the retry policy is the timer
// (backoff 1, interval = poll interval, schedule-to-close = the budget). Retries are not recorded in history,
// so a job polled 100 times has the same history as one polled twice, and no worker slot is held between polls.
// With callbacks on, a terminal callback hint races the poll: the hint wins → the poll is cancelled and one query
// confirms the state (a hint is never billed on). Each hint adds a handful of events, and hints are capped.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  TimeoutFailure,
} from '@temporalio/workflow';
import { JobFailureType } from '../../src/domain/job-failure.js';
import type { TaskHints } from './callback-hints.js';
import type { WaitPolicy } from './deps.js';
import type { JobActivities, TASK_NOT_READY, TaskOutcome, TaskRef } from './job-activities.js';

const taskNotReady: typeof TASK_NOT_READY = 'TaskNotReady';

// The confirming query: transient Kling errors are retried briefly; "not ready" means the hint was wrong. A local
// activity: one quick GET, run by the worker that took the hint within the same workflow task, which spares a
// server round trip on the path from Kling's callback to the bill.
const { checkTask: confirmTask } = proxyLocalActivities<JobActivities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '3 minutes',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '10 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [taskNotReady, JobFailureType.klingRejected],
  },
});

export async function waitForTask(ref: TaskRef, policy: WaitPolicy, hints: TaskHints): Promise<TaskOutcome> {
  if (policy.callbacks !== true) return await pollUntilDone(ref, policy, () => policy.budgetMs);
  hints.watch(ref.taskId);
  const deadline = Date.now() + policy.budgetMs;
  for (;;) {
    const polled = await pollUnlessHinted(ref, policy, deadline, hints);
    if (polled !== undefined) return polled;
    hints.take();
    const confirmed = await confirm(ref);
    if (confirmed !== undefined) return confirmed;
  }
}

/** The poll's outcome, or `undefined` when a hint arrived first (the poll is then cancelled). */
async function pollUnlessHinted(
  ref: TaskRef,
  policy: WaitPolicy,
  deadline: number,
  hints: TaskHints,
): Promise<TaskOutcome | undefined> {
  if (hints.ready) return undefined;
  const pollScope = new CancellationScope();
  const polled = pollScope.run(() => pollUntilDone(ref, policy, () => deadline - Date.now()));
  const hintScope = new CancellationScope();
  // Settles either way, so the losing side never leaves an unhandled rejection behind.
  const hinted = hintScope
    .run(() => condition(() => hints.ready))
    .then(
      () => 'hint' as const,
      () => 'cancelled' as const,
    );
  try {
    const first = await Promise.race([polled, hinted]);
    if (first !== 'hint' && first !== 'cancelled') return first;
  } finally {
    hintScope.cancel();
  }
  pollScope.cancel();
  try {
    // A poll that ended in the same activation is already a confirmed state; a cancelled job rethrows here.
    return await polled;
  } catch (error) {
    if (isCancellation(error) && !CancellationScope.current().consideredCancelled) return undefined;
    throw error;
  }
}

/** One query of the hinted task: its terminal outcome, or `undefined` when it is not (yet) terminal. */
async function confirm(ref: TaskRef): Promise<TaskOutcome | undefined> {
  try {
    return await confirmTask(ref);
  } catch (error) {
    if (isCancellation(error)) throw error;
    if (
      error instanceof ActivityFailure &&
      error.cause instanceof ApplicationFailure &&
      error.cause.type === JobFailureType.klingRejected
    ) {
      throw error;
    }
    // Still running, or Kling briefly unreachable: the wait goes on and polling will tell.
    return undefined;
  }
}

/** Sleeps one interval, then checks until the task ends; `budgetMs` is read after the sleep. */
async function pollUntilDone(ref: TaskRef, policy: WaitPolicy, budgetMs: () => number): Promise<TaskOutcome> {
  // A task is never done the instant it is submitted: the first check waits one interval.
  await sleep(policy.pollIntervalMs);
  const remainingMs = budgetMs();
  if (remainingMs <= 0) throw timedOut(ref, policy, '');
  const { checkTask } = proxyActivities<JobActivities>({
    startToCloseTimeout: '1 minute',
    scheduleToCloseTimeout: remainingMs,
    retry: {
      initialInterval: policy.pollIntervalMs,
      backoffCoefficient: 1,
      maximumInterval: policy.pollIntervalMs,
      nonRetryableErrorTypes: [JobFailureType.klingRejected],
    },
  });
  try {
    return await checkTask(ref);
  } catch (error) {
    if (
      error instanceof ActivityFailure &&
      (error.retryState === 'TIMEOUT' || error.cause instanceof TimeoutFailure)
    ) {
      const last = error.cause instanceof ApplicationFailure ? ` (last seen: ${error.cause.message})` : '';
      throw timedOut(ref, policy, last);
    }
    throw error;
  }
}

function timedOut(ref: TaskRef, policy: WaitPolicy, last: string): ApplicationFailure {
  const minutes = Math.round(policy.budgetMs / 600) / 100;
  return ApplicationFailure.create({
    type: JobFailureType.timedOut,
    message: `Kling task ${ref.taskId} did not finish within the job's budget of ${minutes} min${last}.`,
    nonRetryable: true,
  });
}
