// How a worker process runs the alternative designs: the frozen activities of this folder instead of
// src/activities, and, for the `callbacks` design, the frozen receiver signalling the job.
// Deliberately not the production wiring (production-worker.ts), so that production's changes do not reach here.
import { failureAlarms } from '../../src/activities/alarms.js';
import { startWorkerCallbacks } from '../worker-callbacks.js';
import type { WorkerBasics, WorkerWiring } from '../worker-wiring.js';
import { createAlternativeActivities } from './activities.js';
import { signalRetryPollJobs } from './deliver.js';
import { startFrozenCallbackReceiver } from './receiver.js';
import type { WaitPolicy } from './deps.js';

export async function alternativeWiring(basics: WorkerBasics): Promise<WorkerWiring> {
  const { spec, store, kling, rateCard, logger } = basics;
  const callbacks = await startWorkerCallbacks(spec, logger, (client, settings) =>
    startFrozenCallbackReceiver({ ...settings, deliver: signalRetryPollJobs(client) }),
  );
  // With callbacks, polling is only the fallback and slows to its interval, as production did before issue 15.
  const wait: WaitPolicy =
    callbacks === undefined
      ? { pollIntervalMs: spec.wait.intervalMs, budgetMs: spec.wait.budgetMs }
      : { pollIntervalMs: spec.wait.callbackPollIntervalMs, budgetMs: spec.wait.budgetMs, callbacks: true };
  const activities = createAlternativeActivities({
    store,
    kling,
    rateCard,
    wait,
    now: () => new Date(),
    ...(callbacks === undefined ? {} : { callbackUrl: callbacks.callbackUrl }),
  });
  return {
    // Issue 13's failure alarms, which production ran before issue 15 too (and issue 15 leaves alone).
    worker: { activities, interceptors: { activity: [failureAlarms()] } },
    close: async () => {
      await callbacks?.close();
    },
  };
}
