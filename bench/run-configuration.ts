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
import { readJobHistory } from './history.js';
import { mapLimited } from './map-limited.js';
import type { Configuration } from './options.js';
import type { ConfigurationResult, InFlightSample } from './result.js';
import { findDevServerPid, processCpuSeconds } from './server-cpu.js';
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
// Start requests in parallel: enough to start thousands of jobs in seconds, few enough not to starve the worker.
const START_PARALLELISM = 32;
const HISTORY_PARALLELISM = 16;
const TICK_MS = 1_000;
// Idle time before the baseline sample, so the worker's start-up work is not charged to the jobs.
const SETTLE_MS = 2_000;

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
  const pollIntervalMs = spec.callbacks ? configuration.callbackPollIntervalMs : configuration.pollIntervalMs;
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
      // A budget no configuration reaches: the benchmark measures the wait, not its limit.
      wait: { pollIntervalMs, budgetMs: Math.max(10 * generationWallMs, 3_600_000) },
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
    const baseline = await worker.baseline();
    const serverCpuBefore = serverPid === undefined ? undefined : await processCpuSeconds(serverPid);

    // Drive: starters keep at most `concurrency` jobs open; the monitor counts closed jobs and samples the worker.
    // Unique across runs, so a shared PostgreSQL (DATABASE_URL) never sees a job id twice.
    const runTag = randomUUID().slice(0, 8);
    const jobIds = Array.from({ length: jobs }, (_, index) => `${design}-${runTag}-${index}`);
    let claimed = 0;
    let closed = 0;
    let maxInFlight = 0;
    const samples: InFlightSample[] = [];
    const firstStart = Date.now();
    // Progress is any start, close or Kling request: with thousands of jobs queued, the first close can take minutes.
    let lastProgress = firstStart;
    let lastActivity = '';
    const stallMs = generationWallMs + 5 * 60_000;
    const starter = async (): Promise<void> => {
      while (claimed < jobs) {
        if (claimed - closed >= concurrency) {
          await sleep(TICK_MS / 5);
          continue;
        }
        const workflowId = jobIds[claimed++]!;
        await client.workflow.start(spec.workflowType, { taskQueue, workflowId, args: [payload] });
      }
    };
    const starters = Promise.all(Array.from({ length: Math.min(START_PARALLELISM, jobs) }, starter));
    let lastLog = 0;
    while (closed < jobs) {
      await sleep(TICK_MS);
      const { count } = await client.workflow.count(
        `TaskQueue = "${taskQueue}" AND ExecutionStatus != "Running"`,
      );
      closed = count;
      const activity = `${claimed} ${closed} ${JSON.stringify(simulator.counters().requests)}`;
      if (activity !== lastActivity) lastProgress = Date.now();
      lastActivity = activity;
      const inFlight = claimed - closed;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const { rssBytes } = await worker.sample();
      samples.push({ atSeconds: (Date.now() - firstStart) / 1000, inFlight, rssBytes });
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        context.log(
          `  ${design}: started ${claimed}/${jobs}, closed ${closed}, rss ${Math.round(rssBytes / 2 ** 20)} MiB`,
        );
      }
      if (Date.now() - lastProgress > stallMs)
        throw new Error(`no progress for ${stallMs / 1000} s (${closed}/${jobs} closed)`);
    }
    await starters;
    const end = await worker.sample();
    const serverCpuAfter = serverPid === undefined ? undefined : await processCpuSeconds(serverPid);

    // Read back: histories, the simulator's transitions and counters.
    const histories = await mapLimited(jobIds, HISTORY_PARALLELISM, (jobId) => readJobHistory(client, jobId));
    const terminalAt = new Map<string, number>();
    for (const task of simulator.tasks()) {
      const final = task.transitions.find((t) => t.status === 'succeed' || t.status === 'failed');
      if (task.externalTaskId !== undefined && final !== undefined)
        terminalAt.set(task.externalTaskId, final.at);
    }
    const overheads = histories.flatMap(({ jobId, closedAt }) => {
      const at = terminalAt.get(jobId);
      return at === undefined || closedAt === undefined ? [] : [closedAt - at];
    });
    const counters = simulator.counters();
    const klingRequestsPerJob: Record<string, number> = {};
    const klingErrors: Record<string, Record<string, number>> = {};
    for (const [route, byStatus] of Object.entries(counters.requests)) {
      klingRequestsPerJob[route] = Object.values(byStatus).reduce((sum, n) => sum + n, 0) / jobs;
      const errors = Object.entries(byStatus).filter(([status]) => status !== '200');
      if (errors.length > 0) klingErrors[route] = Object.fromEntries(errors);
    }
    const started = Math.min(...histories.map((h) => h.startedAt));
    const lastClose = Math.max(...histories.map((h) => h.closedAt ?? 0));
    const wallSeconds = (lastClose - started) / 1000;
    const completed = histories.filter((h) => h.completed).length;
    const final = await worker.stop();

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
      klingRequestsPerJob,
      klingErrors,
      historyEvents: distribution(histories.map((h) => h.events)),
      historyBytes: distribution(histories.map((h) => h.bytes)),
      worker: {
        baselineRssBytes: baseline.rssBytes,
        peakRssBytes: final.peakRssBytes,
        maxInFlight,
        maxKlingInFlight: counters.maxInFlight,
        samples,
      },
      loadAverage: { before: loadBefore, after: loadavg()[0]! },
    };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}
