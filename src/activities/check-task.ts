import { ApplicationFailure } from '@temporalio/common';
import type { KlingFamily } from '../domain/family.js';
import type { KlingBilling } from '../domain/kling-billing.js';
import type { KlingVideoData } from '../kling/task.js';
import type { ActivityDeps } from './deps.js';
import { asActivityFailure } from './failures.js';

export interface TaskRef {
  readonly jobId: string;
  readonly taskId: string;
  readonly family: KlingFamily;
  /** `new`: query the task on Kling's new API; absent (and in histories from before it): the legacy API. */
  readonly api?: 'new';
}

/** A task that ended. Decides *whether* to bill, never how much. */
export interface TaskOutcome {
  readonly status: 'succeed' | 'failed';
  readonly statusMessage: string;
  readonly videos: KlingVideoData[];
  /** What Kling reported it charged (the new API only), as recorded on the job row: shown beside our bill. */
  readonly klingBilling?: KlingBilling;
}

/** The failure type that means "not finished yet, ask again after the poll interval". */
export const TASK_NOT_READY = 'TaskNotReady';

/**
 * Step 3: one look at the task. While it runs this fails with a BENIGN `TaskNotReady`, so the activity's retry
 * policy becomes the poll timer (see src/workflows/legacy/wait.ts) without filling logs or history. Only jobs started
 * before issue 15 poll; it goes with src/workflows/legacy.
 */
export function checkTask(deps: ActivityDeps) {
  return async ({ jobId, taskId, family, api }: TaskRef): Promise<TaskOutcome> => {
    let task;
    try {
      task = api === 'new' ? await deps.kling.getNewTask(taskId) : await deps.kling.getTask(family, taskId);
    } catch (error) {
      throw asActivityFailure(error);
    }
    await deps.store.recordKlingStatus(jobId, task.status);
    if (task.status === 'succeed' || task.status === 'failed') {
      // Kept beside our bill, never priced with: the bill comes from the persisted request alone.
      if (task.billing !== undefined) await deps.store.recordKlingBilling(jobId, task.billing);
      return {
        status: task.status,
        statusMessage: task.statusMessage,
        videos: task.videos,
        ...(task.billing === undefined ? {} : { klingBilling: task.billing }),
      };
    }
    throw ApplicationFailure.create({
      type: TASK_NOT_READY,
      message: `Kling task ${taskId} is ${task.status}`,
      category: 'BENIGN',
      details: [{ status: task.status }],
    });
  };
}
