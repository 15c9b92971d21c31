// One configuration, from a clean slate: a fresh dev server, simulator, store and worker process, N jobs driven
// at the configured concurrency, then every job's history and the simulator's record read back and summarised.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../src/config.js';
import { startSimulator } from '../src/kling/simulator/simulator.js';
import { obtainTemporalServer } from '../src/temporal/dev-server.js';
import { designs } from './designs.js';
import { driveJobs } from './drive-jobs.js';
import { readJobHistory, readSharedHistories } from './history.js';
import {
  completionOverheads,
  jobsWithOneTask,
  klingRequests,
  requestKinds,
  requestsBetween,
  submitDelays,
  terminalTimes,
} from './kling-record.js';
import { mapLimited } from './map-limited.js';
import type { Configuration } from './options.js';
import type { ConfigurationResult } from './result.js';
import { findDevServerPid, processCpuSeconds } from './server-cpu.js';
import { waitForQuietMachine } from './machine.js';
import { distribution } from './stats.js';
import { startWorkerProcess } from './worker-handle.js';

/** A text-to-video request every design accepts; the price and the path do not depend on it. */
const payload = {
  model_name: 'kling-v2-6',
  prompt: 'A neon-lit drive through a rainy cyberpunk city',
  duration: 5,
  mode: 'pro',
};

const SEED = 1;
const HISTORY_PARALLELISM = 16;
// Idle time before the baseline sample, so the worker's start-up work is not charged to the jobs.
const SETTLE_MS = 2_000;
// Then the machine's quiet (bench/machine.ts), waited for at most this long: a machine busy with other work stays
// busy, and its load shows in the report.
const QUIET_LIMIT_MS = 60_000;

export interface RunContext {
  /** A folder for this run's bundles and databases, removed at the end. */
  readonly scratch: string;
  /** The built workflow bundle of a design (built once per run). */
  bundlePath(workflowsPath: string): Promise<string>;
  readonly log: (line: string) => void;
}

export async function runConfiguration(
  configuration: Configuration,
  context: RunContext,
): Promise<ConfigurationResult> {
  const { design, jobs, generationSeconds, timeScale, concurrency } = configuration;
  const spec = designs[design];
  const generationWallMs = generationSeconds * 1000 * timeScale;
  // Signed callbacks, as a production deployment with a Kling webhook secret receives them.
  const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const loadBefore = loadavg()[0]!;
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const bundlePath = await context.bundlePath(spec.workflowsPath);
    const config = loadConfig();
    const temporal = await obtainTemporalServer(config.temporal, { log: context.log });
    closers.push(() => temporal.stop());
    const serverPid = await findDevServerPid();
    const simulator = await startSimulator({
      seed: SEED,
      timeScale,
      // Kling's own split of a generation: a short queue, then processing.
      submittedMs: generationSeconds * 100,
      processingMs: generationSeconds * 900,
      jitter: 0.2,
      // The account limit is issue 7's subject, not this benchmark's.
      concurrencyLimit: 1_000_000,
      ...(spec.callbacks ? { webhookSecret } : {}),
    });
    closers.push(() => simulator.close());
    // PostgreSQL when DATABASE_URL is set (the store out of the worker's process), else PGlite in a temp folder.
    const store =
      config.store.databaseUrl === undefined
        ? { dataDir: await mkdtemp(join(context.scratch, `${design}-store-`)) }
        : { databaseUrl: config.store.databaseUrl };
    const taskQueue = `bench-${design}-${randomUUID()}`;
    const worker = await startWorkerProcess({
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue,
      bundlePath,
      design,
      ...(spec.callbacks ? { callbacks: { webhookSecret } } : {}),
      simulator: {
        url: simulator.url,
        accessKey: simulator.credentials.accessKey,
        secretKey: simulator.credentials.secretKey,
      },
      timeScale,
      wait: {
        intervalMs: configuration.pollIntervalMs,
        callbackPollIntervalMs: configuration.callbackPollIntervalMs,
        // A budget no configuration reaches: the benchmark measures the wait, not its limit.
        budgetMs: Math.max(10 * generationWallMs, 3_600_000),
      },
      store,
      ...(configuration.maxCachedWorkflows === undefined
        ? {}
        : { maxCachedWorkflows: configuration.maxCachedWorkflows }),
      ...(configuration.maxConcurrentActivities === undefined
        ? {}
        : { maxConcurrentActivities: configuration.maxConcurrentActivities }),
    });
    closers.push(() => worker.stop());
    const connection = await Connection.connect({ address: temporal.address });
    closers.push(() => connection.close());
    const client = new Client({ connection, namespace: temporal.namespace });

    await sleep(SETTLE_MS);
    const quiet = await waitForQuietMachine(QUIET_LIMIT_MS);
    context.log(
      `  started on a quiet machine after ${(quiet.waitedMs / 1000).toFixed(0)} s ` +
        `(${quiet.busyCores.toFixed(2)} cores busy)`,
    );
    const baseline = await worker.baseline();
    const serverCpuBefore = serverPid === undefined ? undefined : await processCpuSeconds(serverPid);

    // Unique across runs, so a shared PostgreSQL (DATABASE_URL) never sees a job id twice.
    const runTag = randomUUID().slice(0, 8);
    const jobIds = Array.from(
      { length: jobs },
      (_, index) => `${design.replaceAll(/[^a-z0-9-]/g, '-')}-${runTag}-${index}`,
    );
    const drive = await driveJobs({
      client,
      taskQueue,
      workflowType: spec.workflowType,
      payload,
      jobIds,
      concurrency,
      worker,
      simulator,
      stallMs: generationWallMs + 5 * 60_000,
      log: context.log,
    });
    const end = await worker.sample();
    const serverCpuAfter = serverPid === undefined ? undefined : await processCpuSeconds(serverPid);

    const histories = await mapLimited(jobIds, HISTORY_PARALLELISM, (jobId) => readJobHistory(client, jobId));
    const shared = await readSharedHistories(client, taskQueue, spec.workflowType);
    // A shared workflow outlives its jobs (a sweep waits for the next one): on a shared server it would run on.
    for (const run of shared.filter((r) => r.running)) {
      await client.workflow
        .getHandle(run.workflowId, run.runId)
        .terminate('benchmark configuration over')
        .catch(() => undefined);
    }
    const tasks = simulator.tasks();
    const overheads = completionOverheads(histories, terminalTimes(tasks));
    const waitsToSubmit = submitDelays(histories, tasks);
    const counters = simulator.counters();
    const requests = klingRequests(counters, jobs);
    const clientRequests = requestsBetween(baseline.klingRequests, end.klingRequests);
    const started = Math.min(...histories.map((h) => h.startedAt));
    const lastClose = Math.max(...histories.map((h) => h.closedAt ?? 0));
    const wallSeconds = (lastClose - started) / 1000;
    const completed = histories.filter((h) => h.completed).length;
    const stored = await worker.audit(jobIds);
    const final = await worker.stop();
    const sum = (pick: (run: (typeof shared)[number]) => number): number =>
      shared.reduce((total, run) => total + pick(run), 0);

    return {
      configuration,
      completed,
      failed: jobs - completed,
      wallSeconds,
      throughput: jobs / wallSeconds,
      workerCpuMsPerJob: (end.cpuMicros - baseline.cpuMicros) / 1000 / jobs,
      serverCpuMsPerJob:
        serverCpuBefore === undefined || serverCpuAfter === undefined
          ? undefined
          : ((serverCpuAfter - serverCpuBefore) * 1000) / jobs,
      overheadMs: distribution(overheads),
      submitDelayMs: distribution(waitsToSubmit),
      klingRequestsPerJob: requests.perJob,
      klingErrors: requests.errors,
      klingClientRequestsPerJob: Object.fromEntries(
        Object.entries(clientRequests).map(([route, count]) => [route, count / jobs]),
      ),
      klingRequestKindsPerJob: requestKinds(clientRequests, jobs),
      historyEvents: distribution(histories.map((h) => h.events)),
      historyBytes: distribution(histories.map((h) => h.bytes)),
      workflowTasks: distribution(histories.map((h) => h.workflowTasks)),
      workflowTaskFailures: distribution(histories.map((h) => h.workflowTaskFailures)),
      shared: {
        runs: shared.length,
        workflowTypes: [...new Set(shared.map((r) => r.workflowType))].sort(),
        events: sum((r) => r.events),
        bytes: sum((r) => r.bytes),
        workflowTasks: sum((r) => r.workflowTasks),
        workflowTaskFailures: sum((r) => r.workflowTaskFailures),
      },
      audit: {
        oneTask: jobsWithOneTask(tasks, jobIds),
        billed: stored.billed,
        succeeded: stored.succeeded,
      },
      worker: {
        baselineRssBytes: baseline.rssBytes,
        peakRssBytes: final.peakRssBytes,
        maxInFlight: drive.maxInFlight,
        maxKlingInFlight: counters.maxInFlight,
        samples: drive.samples,
      },
      loadAverage: { before: loadBefore, after: loadavg()[0]! },
      quietStart: quiet,
    };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}
