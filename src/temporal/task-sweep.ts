// The client side of the account's task sweep (the workflow is src/workflows/task-sweep.ts): workers keep it
// running, and the callback receiver passes it hints. Starting it is idempotent: the workflow id is per task queue.
import type { Client } from '@temporalio/client';
import type { Logger } from '@temporalio/common';
import {
  TASK_SWEEP_WORKFLOW,
  taskHintsSignal,
  taskSweepWorkflowId,
  type SweepState,
} from '../definitions/sweep.js';

const initial: SweepState = { hinted: [] };

/** How often each worker makes sure the sweep runs (an operator may have terminated it). */
const ENSURE_EVERY_MS = 60_000;

/** Starts the account's sweep unless it runs. */
export async function startTaskSweep(client: Client, taskQueue: string): Promise<void> {
  await client.workflow.start(TASK_SWEEP_WORKFLOW, {
    taskQueue,
    workflowId: taskSweepWorkflowId(taskQueue),
    args: [initial],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

/** Starts the sweep now and checks on it every minute until `stop()`; a failed check is logged and retried. */
export function keepTaskSweepRunning(
  client: Client,
  taskQueue: string,
  logger: Logger,
): { readonly started: Promise<void>; stop(): void } {
  const ensure = () =>
    startTaskSweep(client, taskQueue).catch((error: unknown) => {
      logger.warn('task sweep not started; trying again in a minute', { taskQueue, error });
    });
  const timer = setInterval(() => void ensure(), ENSURE_EVERY_MS);
  timer.unref();
  return { started: ensure(), stop: () => clearInterval(timer) };
}

/**
 * Asks the sweep of `taskQueue` to look at these jobs' tasks now, in one signal (starting the sweep if it is
 * missing). At most MAX_HINTS_PER_SIGNAL job ids: the sweep ignores longer lists.
 */
export async function hintTaskSweep(
  client: Client,
  taskQueue: string,
  jobIds: readonly string[],
): Promise<void> {
  await client.workflow.signalWithStart(TASK_SWEEP_WORKFLOW, {
    taskQueue,
    workflowId: taskSweepWorkflowId(taskQueue),
    args: [initial],
    signal: taskHintsSignal,
    signalArgs: [{ jobIds }],
  });
}
