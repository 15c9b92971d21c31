// The worker's activities: thin adapters from the domain to one port each (store, Kling).
import { acceptJob } from './accept.js';
import { billJob } from './bill.js';
import { checkTask } from './check-task.js';
import type { ActivityDeps } from './deps.js';
import { finishJob } from './finish.js';
import { acquireSlot, findEndedJobs } from './slots.js';
import { submitTask } from './submit.js';

export type { AcceptedJob } from './accept.js';
export type { TaskOutcome, TaskRef } from './check-task.js';
export { accountSlotsWorkflowId } from './deps.js';
export type { ActivityDeps, SlotPolicy, WaitPolicy } from './deps.js';
export type { SubmittedTask } from './submit.js';

export function createActivities(deps: ActivityDeps) {
  return {
    acceptJob: acceptJob(deps),
    submitTask: submitTask(deps),
    checkTask: checkTask(deps),
    billJob: billJob(deps),
    finishJob: finishJob(deps),
    acquireSlot: acquireSlot(deps),
    findEndedJobs: findEndedJobs(deps),
  };
}

export type JobActivities = ReturnType<typeof createActivities>;
