// The worker's activities: thin adapters from the domain to one port each (store, Kling, Temporal).
import { acceptJob } from './accept.js';
import { billJob } from './bill.js';
import { checkTask } from './check-task.js';
import type { ActivityDeps } from './deps.js';
import { finishJob } from './finish.js';
import { heartbeating } from './heartbeating.js';
import { settleJob } from './settle.js';
import { acquireSlot, findEndedJobs } from './slots.js';
import { submitTask } from './submit.js';
import { sweepTasks } from './sweep.js';

export type { AcceptedJob } from './accept.js';
export type { JobFinish } from './finish.js';
export type { TaskOutcome, TaskRef } from './check-task.js';
export { accountSlotsWorkflowId, defaultFallbackCheckMs } from './deps.js';
export type { ActivityDeps, SlotPolicy, WaitPolicy } from './deps.js';
export type { Settled } from './settle.js';
export type { SubmittedTask } from './submit.js';
export type { SweepReport, SweepRequest } from './sweep.js';

export function createActivities(deps: ActivityDeps) {
  return {
    acceptJob: acceptJob(deps),
    submitTask: heartbeating(submitTask(deps)),
    settleJob: settleJob(deps),
    finishJob: finishJob(deps),
    sweepTasks: sweepTasks(deps),
    acquireSlot: acquireSlot(deps),
    findEndedJobs: findEndedJobs(deps),
    // Jobs started before issue 15 poll with checkTask and bill with billJob (src/workflows/legacy); remove both
    // with that folder.
    checkTask: heartbeating(checkTask(deps)),
    billJob: billJob(deps),
  };
}

export type JobActivities = ReturnType<typeof createActivities>;
