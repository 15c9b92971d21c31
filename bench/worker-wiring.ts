// What the worker process hands a design's wiring, and what the wiring gives back: the production designs are
// wired by production-worker.ts (the mirror of src/worker.ts), the alternatives by alternatives/worker-wiring.ts.
import type { Logger } from '@temporalio/common';
import type { WorkerOptions } from '@temporalio/worker';
import type { RateCardSnapshot } from '../src/domain/rate-card.js';
import type { KlingClient } from '../src/kling/client.js';
import type { JobStore } from '../src/store/job-store.js';
import type { WorkerSpec } from './worker-messages.js';

/** Opened by the worker process for every design, as src/worker.ts opens them. */
export interface WorkerBasics {
  readonly spec: WorkerSpec;
  readonly store: JobStore;
  /** Counts every request it makes, by route, for the report. */
  readonly kling: KlingClient;
  readonly rateCard: RateCardSnapshot;
  readonly logger: Logger;
}

export interface WorkerWiring {
  /** Merged into `Worker.create`'s options after the connection, namespace, task queue and bundle. */
  readonly worker: Omit<
    WorkerOptions,
    'connection' | 'namespace' | 'taskQueue' | 'workflowBundle' | 'workflowsPath'
  >;
  /** Closes what the wiring opened, after the worker stopped. */
  close(): Promise<void>;
}
