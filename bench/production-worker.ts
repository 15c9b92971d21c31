// ┌─────────────────────────────────────────────────────────────────────────────────────────────────────────────┐
// │ THE MIRROR OF src/worker.ts: the one place where the benchmark wires the production designs (`sweep`,        │
// │ `sweep+callbacks`: src/workflows + src/activities). When src/worker.ts gains a step — issue 15: starting the │
// │ account's status sweep if the worker starts it, the sweep's and the per-job fallback check's intervals, a    │
// │ Temporal client for the activities — mirror it here, and nowhere else in bench/.                             │
// └─────────────────────────────────────────────────────────────────────────────────────────────────────────────┘
// What the worker process opened (store, Kling client, rate card, connection) is src/worker.ts' too; the bench
// settings arrive in `spec.wait` as wall-clock intervals: `intervalMs` is production's KLING_POLL_INTERVAL_SECONDS
// (the poll, or the sweep, interval), `fallbackIntervalMs` the slow per-job check
// (KLING_CALLBACK_POLL_INTERVAL_SECONDS), `budgetMs` KLING_JOB_BUDGET_MINUTES.
import { createActivities, type WaitPolicy } from '../src/activities/index.js';
import { signalJobs } from '../src/callbacks/deliver.js';
import { startWorkerCallbacks } from './worker-callbacks.js';
import type { WorkerBasics, WorkerWiring } from './worker-wiring.js';

export async function productionWiring(basics: WorkerBasics): Promise<WorkerWiring> {
  const { spec, store, kling, rateCard, logger } = basics;
  // src/worker.ts connectCallbacksAndSlots: with callbacks on, the receiver runs in the worker process and
  // polling slows to the fallback interval. (No account slots: the benchmark lifts Kling's account limit.)
  const callbacks = await startWorkerCallbacks(spec, logger, signalJobs);
  const wait: WaitPolicy =
    callbacks === undefined
      ? { pollIntervalMs: spec.wait.intervalMs, budgetMs: spec.wait.budgetMs }
      : { pollIntervalMs: spec.wait.fallbackIntervalMs, budgetMs: spec.wait.budgetMs, callbacks: true };
  // src/worker.ts startJobWorker: the activities, then Worker.create (in worker-process.ts).
  const activities = createActivities({
    store,
    kling,
    rateCard,
    wait,
    now: () => new Date(),
    ...(callbacks === undefined ? {} : { callbackUrl: callbacks.callbackUrl }),
  });
  return {
    worker: { activities },
    close: async () => {
      await callbacks?.close();
    },
  };
}
