// Every activity a worker of an alternative design registers: the frozen job activities (job-activities.ts) and
// the two waits the sleep loop and the heartbeat loop add. Their looks are `checkTask`'s (`look`), so only the
// shape of the wait differs between designs.
import { Context } from '@temporalio/activity';
import type { AlternativeDeps } from './deps.js';
import {
  createJobActivities,
  isFinal,
  look,
  type TaskOutcome,
  type TaskRef,
  type TaskSighting,
} from './job-activities.js';

export function createAlternativeActivities(deps: AlternativeDeps) {
  return {
    ...createJobActivities(deps),

    /** Alternative (a): one look, returned whatever the status; every call is recorded in history. */
    peekTask: (ref: TaskRef): Promise<TaskSighting> => look(deps, ref),

    /** Alternative (b): the whole wait inside one attempt, heartbeating, holding a worker slot throughout. */
    async waitInActivity(ref: TaskRef): Promise<TaskOutcome> {
      const context = Context.current();
      for (;;) {
        // Same first wait as retry-poll: a task is never done the instant it is submitted.
        await context.sleep(deps.wait.pollIntervalMs);
        const sighting = await look(deps, ref);
        if (isFinal(sighting)) return sighting;
        context.heartbeat(sighting.status);
      }
    },
  };
}

export type AlternativeActivities = ReturnType<typeof createAlternativeActivities>;
