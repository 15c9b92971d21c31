// One per Kling account (task queue): every interval it reads the status of every waiting task in batches and wakes
// exactly the jobs whose task ended (src/activities/sweep.ts); a Kling callback hint makes it look at that job at
// once. So a waiting job costs Kling a share of a list page (or of a new-API batch query) per interval instead of a
// query of its own, and costs Temporal nothing until its task ends.
// A workflow rather than a Schedule: its id makes it one per account across all workers, it receives hints as
// signals, and a sweep costs a timer and an activity instead of a new workflow execution per tick. Long-lived and
// restart-safe: it continues as new before its history grows long, carrying the hints not yet looked at, and
// workers start it again if it is missing (src/temporal/task-sweep.ts). A sweep that stopped only delays jobs:
// each also checks its own task every few minutes.
import {
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { JobActivities } from '../activities/index.js';
import {
  MAX_HINTS_PER_SIGNAL,
  MAX_JOB_ID_LENGTH,
  taskHintSignal,
  taskHintsSignal,
  taskStatusQuery,
  type SweepState,
} from '../definitions/sweep.js';
import { nextFullSweepDue } from '../domain/sweep-schedule.js';
import { taskSweepWithLocalPass } from './legacy/task-sweep.js';

// A normal activity, scheduled together with the timer of the next full sweep: the timer runs while the sweep does,
// so sweeps start one interval apart while one takes up to half of it, and no workflow task stays open while Kling
// is read; a longer sweep (seconds at 10,000 waiting tasks) rests as long as it took (src/domain/sweep-schedule.ts). (As a local activity before the timer, the interval stretched by the sweep and by
// the server's timer precision, ~1 s under load.) Not retried: the next sweep is the retry.
// A sweep heartbeats while it runs (src/activities/sweep.ts), so one on a worker that died is given up in seconds.
const { sweepTasks } = proxyActivities<JobActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { maximumAttempts: 1 },
});

/**
 * Sweep runs started since this patch run their sweep beside the next one's timer (above); runs without its marker
 * replay the earlier shape (./legacy/task-sweep.ts) until they continue as new. A patch rather than Worker
 * Versioning, as for the jobs (./kling-video.ts): one worker build serves both.
 */
const SWEEP_BESIDE_TIMER = 'sweep-beside-timer';

/** Until the first sweep reports the workers' interval. */
const DEFAULT_INTERVAL_MS = 10_000;
/** Hints that arrive together are looked at together: a flood of callbacks costs at most four sweeps a second. */
const HINT_SPACING_MS = 250;
/** Jobs per hinted sweep, and hints kept at most (more hinted jobs wait for the next full sweep). */
const MAX_HINT_BATCH = 100;
const MAX_PENDING_HINTS = 10_000;
/** Jobs whose `processing` is remembered for the status query (the oldest forgotten first): ~0.5 MB carried over. */
const MAX_PROCESSING = 10_000;
/**
 * A sweep is ~11 events (its timer, its activity, two workflow tasks), a hint 1: continue as new every half hour or
 * so at a 10 s interval.
 */
const MAX_HISTORY_EVENTS = 2_000;

export async function taskSweep(state: SweepState): Promise<never> {
  if (!patched(SWEEP_BESIDE_TIMER)) return await taskSweepWithLocalPass(state);
  const hinted = new Set<string>();
  const hint = (jobId: unknown): void => {
    const valid = typeof jobId === 'string' && jobId.length > 0 && jobId.length <= MAX_JOB_ID_LENGTH;
    if (valid && hinted.size < MAX_PENDING_HINTS) hinted.add(jobId);
  };
  for (const jobId of state.hinted) hint(jobId);
  // Receivers send hints in batches (src/callbacks/hint-batches.ts); one hint a signal from a receiver of an
  // earlier release. A handler added is no command, so histories from before it replay unchanged: no patch.
  setHandler(taskHintsSignal, (signal) => {
    const jobIds = (signal as { jobIds?: unknown } | undefined)?.jobIds;
    if (Array.isArray(jobIds) && jobIds.length <= MAX_HINTS_PER_SIGNAL)
      for (const jobId of jobIds) hint(jobId);
  });
  setHandler(taskHintSignal, (signal) => hint((signal as { jobId?: unknown } | undefined)?.jobId));
  const processing = new Set(state.processing ?? []);
  setHandler(taskStatusQuery, (jobId) => (processing.has(jobId) ? 'processing' : undefined));

  let intervalMs = state.intervalMs ?? DEFAULT_INTERVAL_MS;
  let nextFullAt = state.nextFullAt ?? Date.now();
  let fullDue = false;
  // The timer of the next full sweep. A timer replaced (the interval changed, or a long sweep rests) still fires,
  // and is ignored.
  let armed = 0;
  const armFullSweep = (): void => {
    const timer = ++armed;
    fullDue = false;
    const untilFull = nextFullAt - Date.now();
    if (untilFull <= 0) fullDue = true;
    else
      sleep(untilFull).then(
        () => {
          if (timer === armed) fullDue = true;
        },
        // Cancelled with the sweep: it ends where it waits.
        () => undefined,
      );
  };
  let lastSweepAt = Number.NEGATIVE_INFINITY;
  const tooLong = () =>
    workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= MAX_HISTORY_EVENTS;

  armFullSweep();
  while (!tooLong()) {
    await condition(() => fullDue || hinted.size > 0);
    if (!fullDue) {
      // Hints that arrive together are looked at together; a full sweep that falls due meanwhile takes them too.
      const spacing = lastSweepAt + HINT_SPACING_MS - Date.now();
      if (spacing > 0) await condition(() => fullDue, spacing);
    }
    const full = fullDue;
    // A full sweep reads every waiting task, the hinted ones too.
    const jobIds = full ? undefined : [...hinted].slice(0, MAX_HINT_BATCH);
    for (const jobId of jobIds ?? [...hinted]) hinted.delete(jobId);
    lastSweepAt = Date.now();
    const due = nextFullAt;
    if (full) {
      nextFullAt = nextFullSweepDue(due, lastSweepAt, intervalMs);
      armFullSweep();
    }
    try {
      const report = await sweepTasks(jobIds === undefined ? {} : { jobIds });
      // The workers' interval (a new run starts with the default until its first sweep reports it).
      intervalMs = report.intervalMs;
      if (full) {
        // Now that the sweep ended: the interval it reported, and a rest as long as it took when it took long.
        const after = nextFullSweepDue(due, lastSweepAt, intervalMs, report.tookMs);
        if (after !== nextFullAt) {
          nextFullAt = after;
          armFullSweep();
        }
      }
      for (const jobId of report.woken) processing.delete(jobId);
      for (const jobId of report.processing) processing.add(jobId);
      for (const jobId of processing) {
        if (processing.size <= MAX_PROCESSING) break;
        processing.delete(jobId);
      }
    } catch {
      // Logged by the worker; the jobs it missed are looked at by the next sweep (or their own check).
    }
  }
  return await continueAsNew<typeof taskSweep>({
    hinted: [...hinted],
    nextFullAt,
    intervalMs,
    processing: [...processing],
  });
}
