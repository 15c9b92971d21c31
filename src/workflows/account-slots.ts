// One long-lived workflow per Kling account (task queue) hands out the account's concurrent-task slots, first come
// first served, so every worker honours KLING_MAX_CONCURRENT_TASKS with Temporal as the only shared state.
// Jobs that end normally give their slot back; a job that dies holding one (terminated, timed out by the server)
// cannot, so while jobs wait the holders are checked and dead ones reclaimed.
import {
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { JobActivities } from '../activities/index.js';
import {
  acquireSlotSignal,
  releaseSlotSignal,
  slotGrantedSignal,
  slotsQuery,
  type SlotsState,
} from '../definitions/slots.js';

const { findEndedJobs } = proxyActivities<JobActivities>({
  startToCloseTimeout: '1 minute',
  // Bounded: a check that keeps failing is skipped, and the next round (10 s later) checks again.
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 3 },
});

/** How often holders are checked while jobs wait: a dead holder costs the queue at most this long. */
const SWEEP_INTERVAL_MS = 10_000;
/** A grant, a release and their workflow tasks are ~10 events: continue-as-new every hundred jobs or so. */
const MAX_HISTORY_EVENTS = 1_000;

export async function accountSlots(initial: SlotsState): Promise<never> {
  let limit = initial.limit;
  const holders = new Set(initial.holders);
  const waiting = [...initial.waiting];
  const granting = new Set<Promise<void>>();
  let changed = true;

  const release = (jobId: string): void => {
    holders.delete(jobId);
    const queued = waiting.indexOf(jobId);
    if (queued >= 0) waiting.splice(queued, 1);
    changed = true;
  };
  const notify = (jobId: string): void => {
    const sent = getExternalWorkflowHandle(jobId)
      .signal(slotGrantedSignal)
      // The job no longer runs (finished, terminated, never existed): its slot goes to the next one.
      .catch(() => release(jobId))
      .finally(() => granting.delete(sent));
    granting.add(sent);
  };

  setHandler(slotsQuery, () => ({ limit, holders: [...holders], waiting: [...waiting] }));
  setHandler(acquireSlotSignal, (request) => {
    limit = request.limit;
    // A repeated request (a retried activity, a reset job) is answered again, never queued twice.
    if (holders.has(request.jobId)) notify(request.jobId);
    else if (!waiting.includes(request.jobId)) waiting.push(request.jobId);
    changed = true;
  });
  setHandler(releaseSlotSignal, ({ jobId }) => release(jobId));

  const tooLong = () =>
    workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= MAX_HISTORY_EVENTS;

  while (!tooLong()) {
    for (let next = waiting[0]; next !== undefined && holders.size < limit; next = waiting[0]) {
      waiting.shift();
      holders.add(next);
      notify(next);
    }
    changed = false;
    if (waiting.length === 0) {
      await condition(() => changed || tooLong());
    } else if (!(await condition(() => changed || tooLong(), SWEEP_INTERVAL_MS))) {
      const ended = await findEndedJobs({ jobIds: [...holders] }).catch(() => []);
      for (const jobId of ended) release(jobId);
    }
  }
  // Grants already sent must land (or fail and free their slot) before the state is handed on.
  while (granting.size > 0) await Promise.all(granting);
  return continueAsNew<typeof accountSlots>({ limit, holders: [...holders], waiting: [...waiting] });
}
