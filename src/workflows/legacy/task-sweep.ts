// FROZEN: the task sweep as it ran before its pass became a normal activity beside the next sweep's timer (a local
// activity, inside the workflow task, before the timer). taskSweep (../task-sweep.ts) runs it for every history
// without the `sweep-beside-timer` patch marker, so a sweep run started by an older worker ends as it began; its
// continue-as-new starts the new shape. Remove once no such run is open (a sweep continues as new about hourly) and
// deprecate the patch then. Change nothing here but imports and activity options: every command it issues must match
// the histories it replays.
import {
  condition,
  continueAsNew,
  proxyLocalActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { JobActivities } from '../../activities/index.js';
import {
  MAX_JOB_ID_LENGTH,
  taskHintSignal,
  taskStatusQuery,
  type SweepState,
} from '../../definitions/sweep.js';

// Local: a sweep is a store query, a few Kling requests and the signals, inside this workflow's task. Not retried:
// the next sweep is the retry, and a local retry must never become a timer.
const { sweepTasks } = proxyLocalActivities<JobActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 1 },
});

/** Until the first sweep reports the workers' interval. */
const DEFAULT_INTERVAL_MS = 10_000;
/** Hints that arrive together are looked at together: a flood of callbacks costs at most four sweeps a second. */
const HINT_SPACING_MS = 250;
/** Jobs per hinted sweep, and hints kept at most (more hinted jobs wait for the next full sweep). */
const MAX_HINT_BATCH = 100;
const MAX_PENDING_HINTS = 10_000;
/** Jobs whose `processing` is remembered for the status query (the oldest forgotten first): ~0.5 MB carried over. */
const MAX_PROCESSING = 10_000;
/** A sweep is ~6 events, a hint 1: continue as new every hour or so at a 10 s interval. */
const MAX_HISTORY_EVENTS = 2_000;

export async function taskSweepWithLocalPass(state: SweepState): Promise<never> {
  const hinted = new Set<string>();
  const hint = (jobId: unknown): void => {
    const valid = typeof jobId === 'string' && jobId.length > 0 && jobId.length <= MAX_JOB_ID_LENGTH;
    if (valid && hinted.size < MAX_PENDING_HINTS) hinted.add(jobId);
  };
  for (const jobId of state.hinted) hint(jobId);
  setHandler(taskHintSignal, (signal) => hint((signal as { jobId?: unknown } | undefined)?.jobId));
  const processing = new Set(state.processing ?? []);
  setHandler(taskStatusQuery, (jobId) => (processing.has(jobId) ? 'processing' : undefined));

  let intervalMs = state.intervalMs ?? DEFAULT_INTERVAL_MS;
  let nextFullAt = state.nextFullAt ?? Date.now();
  let lastSweepAt = Number.NEGATIVE_INFINITY;
  const tooLong = () =>
    workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= MAX_HISTORY_EVENTS;

  while (!tooLong()) {
    const untilFull = nextFullAt - Date.now();
    if (untilFull > 0 && hinted.size === 0) await condition(() => hinted.size > 0, untilFull);
    const full = Date.now() >= nextFullAt;
    if (!full) {
      const spacing = lastSweepAt + HINT_SPACING_MS - Date.now();
      if (spacing > 0) await sleep(spacing);
    }
    // A full sweep reads every waiting task, the hinted ones too.
    const jobIds = full ? undefined : [...hinted].slice(0, MAX_HINT_BATCH);
    for (const jobId of jobIds ?? [...hinted]) hinted.delete(jobId);
    lastSweepAt = Date.now();
    try {
      const report = await sweepTasks(jobIds === undefined ? {} : { jobIds });
      intervalMs = report.intervalMs;
      for (const jobId of report.woken) processing.delete(jobId);
      for (const jobId of report.processing) processing.add(jobId);
      for (const jobId of processing) {
        if (processing.size <= MAX_PROCESSING) break;
        processing.delete(jobId);
      }
    } catch {
      // Logged by the worker; the jobs it missed are looked at by the next sweep (or their own check).
    }
    if (full) nextFullAt = lastSweepAt + intervalMs;
  }
  return await continueAsNew<typeof taskSweepWithLocalPass>({
    hinted: [...hinted],
    nextFullAt,
    intervalMs,
    processing: [...processing],
  });
}
