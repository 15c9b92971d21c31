// ┌─────────────────────────────────────────────────────────────────────────────────────────────────────────────┐
// │ THE MIRROR OF src/worker.ts: the one place where the benchmark wires the production designs (`sweep`,        │
// │ `sweep+callbacks`: src/workflows + src/activities). When src/worker.ts gains a step, mirror it here, and     │
// │ nowhere else in bench/.                                                                                      │
// └─────────────────────────────────────────────────────────────────────────────────────────────────────────────┘
// What the worker process opened (store, Kling client, rate card, connection) is src/worker.ts' too; the bench
// settings arrive in `spec.wait` as wall-clock intervals: `intervalMs` is KLING_POLL_INTERVAL_SECONDS,
// `callbackPollIntervalMs` KLING_CALLBACK_POLL_INTERVAL_SECONDS, `budgetMs` KLING_JOB_BUDGET_MINUTES.
import { Client, Connection } from '@temporalio/client';
import { failureAlarms } from '../src/activities/alarms.js';
import { createActivities, type WaitPolicy } from '../src/activities/index.js';
import { hintSweeps } from '../src/callbacks/deliver.js';
import { startCallbackReceiver } from '../src/callbacks/receiver.js';
import { jobWorkerOptions } from '../src/temporal/job-worker-tuning.js';
import { keepTaskSweepRunning } from '../src/temporal/task-sweep.js';
import { jobCheckMs } from './options.js';
import { startWorkerCallbacks } from './worker-callbacks.js';
import type { WorkerBasics, WorkerWiring } from './worker-wiring.js';

export async function productionWiring(basics: WorkerBasics): Promise<WorkerWiring> {
  const { spec, store, kling, rateCard, logger } = basics;
  // src/worker.ts connectJobPorts: the sweep's signals to jobs and the callback hints go through a client
  // connection of their own. (No account slots: the benchmark lifts Kling's account limit.)
  const connection = await Connection.connect({ address: spec.address });
  const client = new Client({ connection, namespace: spec.namespace });
  try {
    // With callbacks on, the receiver runs in the worker process, hints the account's sweep, and the sweep slows
    // to the callback interval.
    const callbacks = await startWorkerCallbacks(spec, logger, (receiverClient, settings) =>
      startCallbackReceiver({ ...settings, deliver: hintSweeps(receiverClient) }),
    );
    const pollIntervalMs = callbacks === undefined ? spec.wait.intervalMs : spec.wait.callbackPollIntervalMs;
    const wait: WaitPolicy = {
      pollIntervalMs,
      budgetMs: spec.wait.budgetMs,
      // defaultFallbackCheckMs(pollIntervalMs), in simulated time like the intervals (bench/options.ts).
      fallbackCheckMs: jobCheckMs(pollIntervalMs, spec.timeScale),
    };
    // src/worker.ts startJobWorker: the activities (the sweep's Kling reads use the same counted client), then
    // Worker.create (in worker-process.ts), then the account's sweep kept running.
    const activities = createActivities({
      store,
      kling,
      rateCard,
      wait,
      now: () => new Date(),
      temporal: client,
      ...(callbacks === undefined ? {} : { callbackUrl: callbacks.callbackUrl }),
    });
    const sweep = keepTaskSweepRunning(client, spec.taskQueue, logger);
    return {
      // src/worker.ts' interceptors: the failure alarms (issue 13); tracing is off unless configured.
      worker: {
        activities,
        interceptors: { activity: [failureAlarms()] },
        // src/worker.ts' slots and cache; the bench's options, when given, size them.
        ...jobWorkerOptions({
          ...(spec.maxCachedWorkflows === undefined ? {} : { maxCachedJobs: spec.maxCachedWorkflows }),
          ...(spec.maxConcurrentActivities === undefined
            ? {}
            : { activitySlots: spec.maxConcurrentActivities }),
        }),
      },
      close: async () => {
        sweep.stop();
        await callbacks?.close();
        await connection.close();
      },
    };
  } catch (error) {
    await connection.close();
    throw error;
  }
}
