// The pieces an integration test wires around one real worker process: its own task queue on the run's Temporal
// server, its own database, a simulator standing in for Kling. One place for the environment that connects them
// and for the order they are torn down in (the worker first, so nothing it does outlives what it talks to).
import { inject } from 'vitest';
import type { Simulator } from '../../src/kling/simulator/simulator.js';
import type { TemporalTestContext } from './temporal.js';
import type { WorkerProcess } from './worker-process.js';

export interface WorkerRig {
  readonly temporal: TemporalTestContext;
  readonly simulator: Simulator;
  readonly database: { readonly url: string; drop(): Promise<void> };
}

/** What the worker process needs to serve `rig`'s task queue; `extra` adds or overrides settings. */
export function workerEnvironment(
  rig: WorkerRig,
  pollIntervalSeconds: number,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    TEMPORAL_TASK_QUEUE: rig.temporal.taskQueue,
    DATABASE_URL: rig.database.url,
    KLING_BASE_URL: rig.simulator.url,
    KLING_ACCESS_KEY: rig.simulator.credentials.accessKey,
    KLING_SECRET_KEY: rig.simulator.credentials.secretKey,
    KLING_POLL_INTERVAL_SECONDS: String(pollIntervalSeconds),
    LOG_FORMAT: 'json',
    ...extra,
  };
}

/** Tears down whatever of the rig was set up, even if `beforeAll` failed halfway. */
export async function tearDown(rig: Partial<WorkerRig> & { readonly worker?: WorkerProcess }): Promise<void> {
  await rig.worker?.killTree();
  await rig.simulator?.close();
  await rig.temporal?.close();
  await rig.database?.drop();
}
