// Every activity a worker of an alternative design registers: the frozen job activities (job-activities.ts) and
// the two looks the sleep loop and the heartbeat loop add. A look talks to Kling and the store exactly as
// `checkTask` does, so only the shape of the wait differs between designs.
import { Context } from '@temporalio/activity';
import { asActivityFailure } from '../../src/activities/failures.js';
import type { KlingTaskStatus } from '../../src/kling/task.js';
import type { AlternativeDeps } from './deps.js';
import { createJobActivities, type TaskOutcome, type TaskRef } from './job-activities.js';

/** What one look at the task saw; the sleep loop decides in workflow code whether to look again. */
export interface TaskSighting {
  readonly status: KlingTaskStatus;
  readonly statusMessage: string;
  readonly videos: TaskOutcome['videos'];
}

async function look(deps: AlternativeDeps, { jobId, taskId, family }: TaskRef): Promise<TaskSighting> {
  let task;
  try {
    task = await deps.kling.getTask(family, taskId);
  } catch (error) {
    throw asActivityFailure(error);
  }
  await deps.store.recordKlingStatus(jobId, task.status);
  return { status: task.status, statusMessage: task.statusMessage, videos: task.videos };
}

function isFinal(sighting: TaskSighting): sighting is TaskSighting & { status: TaskOutcome['status'] } {
  return sighting.status === 'succeed' || sighting.status === 'failed';
}

export function createAlternativeActivities(deps: AlternativeDeps) {
  return {
    ...createJobActivities(deps),

    /** Alternative (a): one look, returned whatever the status; every call is recorded in history. */
    peekTask: (ref: TaskRef): Promise<TaskSighting> => look(deps, ref),

    /** Alternative (b): the whole wait inside one attempt, heartbeating, holding a worker slot throughout. */
    async waitInActivity(ref: TaskRef): Promise<TaskOutcome> {
      const context = Context.current();
      for (;;) {
        // Same first wait as the production design: a task is never done the instant it is submitted.
        await context.sleep(deps.wait.pollIntervalMs);
        const sighting = await look(deps, ref);
        if (isFinal(sighting)) return sighting;
        context.heartbeat(sighting.status);
      }
    },
  };
}

export type AlternativeActivities = ReturnType<typeof createAlternativeActivities>;
