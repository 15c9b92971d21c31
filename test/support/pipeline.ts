// The whole pipeline for an integration test file: the shared dev server, a store (PGlite or the run's
// PostgreSQL), the Kling simulator over real HTTP, real workers with the production workflow bundle, and the task
// sweep of the file's task queue kept running as src/worker.ts keeps it.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { failureAlarms } from '../../src/activities/alarms.js';
import { createActivities, type ActivityDeps, type JobActivities } from '../../src/activities/index.js';
import { defaultRateCard, snapshotRateCard } from '../../src/domain/rate-card.js';
import { createKlingClient } from '../../src/kling/client.js';
import {
  startSimulator,
  type Simulator,
  type SimulatorOptions,
} from '../../src/kling/simulator/simulator.js';
import { openStore } from '../../src/store/open-store.js';
import type { JobStore } from '../../src/store/job-store.js';
import { JOB_WORKFLOW, type JobResult } from '../../src/definitions/job.js';
import { taskSweepWorkflowId } from '../../src/definitions/sweep.js';
import { startTaskSweep } from '../../src/temporal/task-sweep.js';
import type { klingVideo } from '../../src/workflows/kling-video.js';
import { createDatabase } from '../store/databases.js';
import { connectTemporal, type TemporalTestContext, workflowBundle } from './temporal.js';

export const workflowsPath = fileURLToPath(new URL('../../src/workflows/index.ts', import.meta.url));

export interface PipelineOptions {
  readonly fileTag: string;
  readonly database?: 'pglite' | 'postgres';
  /** Fast lifecycle by default: a task takes ~0.3 s of simulated time. */
  readonly simulator?: SimulatorOptions;
  /** The task sweep's interval (default 100 ms). */
  readonly pollIntervalMs?: number;
  readonly budgetMs?: number;
  /** A job's own check of its task (default 60 s: far beyond a test job, so jobs end on the sweep). */
  readonly fallbackCheckMs?: number;
  /** Start no task sweep: jobs end on their own checks. */
  readonly withoutSweep?: boolean;
  /** Wraps the activities, e.g. to inject a crash after a write. */
  readonly activities?: (activities: JobActivities) => Partial<JobActivities>;
  /**
   * The worker's Kling keys: the key pair and the API key (the default; the legacy API signs with the pair, the new
   * API takes the key), or the key pair only, as a deployment without KLING_API_KEY.
   */
  readonly klingKeys?: 'pair-and-api-key' | 'pair-only';
  /** KLING_NEW_API_MODELS, as canonical names. */
  readonly newApiModels?: readonly string[];
}

export interface Pipeline {
  readonly temporal: TemporalTestContext;
  readonly simulator: Simulator;
  readonly store: JobStore;
  /** The PostgreSQL database of this pipeline, when it uses one. */
  readonly databaseUrl: string | undefined;
  readonly deps: ActivityDeps;
  /** Starts a worker on the file's task queue; call `stop()` to shut it down and wait for it. */
  startWorker(): Promise<{ stop(): Promise<void> }>;
  startJob(payload: unknown, jobId?: string): Promise<WorkflowHandle<typeof klingVideo>>;
  runJob(payload: unknown, jobId?: string): Promise<JobResult>;
  close(): Promise<void>;
}

export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const temporal = await connectTemporal(options.fileTag);
  const simulator = await startSimulator({
    submittedMs: 100,
    processingMs: 200,
    jitter: 0,
    seed: 7,
    ...options.simulator,
  });
  let dropDatabase: (() => Promise<void>) | undefined;
  let databaseUrl: string | undefined;
  let store: JobStore;
  if (options.database === 'postgres') {
    const database = await createDatabase(inject('databaseUrl'));
    dropDatabase = database.drop;
    databaseUrl = database.url;
    store = await openStore({ databaseUrl });
  } else {
    store = await openStore({ dataDir: 'memory://' });
  }
  const { accessKey, secretKey, apiKey } = simulator.credentials;
  const auth =
    options.klingKeys === 'pair-only' ? { accessKey, secretKey } : { accessKey, secretKey, apiKey };
  const deps: ActivityDeps = {
    store,
    kling: createKlingClient({ baseUrl: simulator.url, auth, timeoutMs: 5_000 }),
    rateCard: snapshotRateCard(defaultRateCard),
    ...(options.newApiModels === undefined ? {} : { newApiModels: options.newApiModels }),
    wait: {
      pollIntervalMs: options.pollIntervalMs ?? 100,
      budgetMs: options.budgetMs ?? 60_000,
      fallbackCheckMs: options.fallbackCheckMs ?? 60_000,
    },
    now: () => new Date(),
    temporal: temporal.client,
  };
  const base = createActivities(deps);
  const activities = { ...base, ...options.activities?.(base) };
  const running = new Set<{ stop(): Promise<void> }>();

  const pipeline: Pipeline = {
    temporal,
    simulator,
    store,
    databaseUrl,
    deps,
    async startWorker() {
      const worker = await Worker.create({
        connection: temporal.nativeConnection,
        namespace: temporal.namespace,
        taskQueue: temporal.taskQueue,
        workflowBundle: await workflowBundle(workflowsPath),
        activities,
        interceptors: { activity: [failureAlarms()] },
      });
      const done = worker.run();
      if (options.withoutSweep !== true) await startTaskSweep(temporal.client, temporal.taskQueue);
      const handle = {
        async stop() {
          running.delete(handle);
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await done;
        },
      };
      running.add(handle);
      return handle;
    },
    startJob(payload, jobId = `job-${randomUUID()}`) {
      return temporal.client.workflow.start<typeof klingVideo>(JOB_WORKFLOW, {
        taskQueue: temporal.taskQueue,
        workflowId: jobId,
        args: [payload],
      });
    },
    async runJob(payload, jobId) {
      return (await pipeline.startJob(payload, jobId)).result();
    },
    async close() {
      await temporal.client.workflow
        .getHandle(taskSweepWorkflowId(temporal.taskQueue))
        .terminate('test over')
        .catch(() => undefined);
      for (const worker of [...running]) await worker.stop();
      await store.close();
      await simulator.close();
      await dropDatabase?.();
      await temporal.close();
    },
  };
  return pipeline;
}
