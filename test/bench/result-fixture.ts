// Measured configurations for the report and target tests: a plausible result, with what a test varies given.
import type { Design } from '../../bench/designs.js';
import type { Configuration } from '../../bench/options.js';
import type { ConfigurationResult } from '../../bench/result.js';
import { distribution } from '../../bench/stats.js';

const MiB = 2 ** 20;

export function configuration(design: Design, change: Partial<Configuration> = {}): Configuration {
  return {
    design,
    jobs: 4,
    generationSeconds: 60,
    timeScale: 0.1,
    pollIntervalMs: 1000,
    callbackPollIntervalMs: 6000,
    concurrency: 4,
    maxCachedWorkflows: undefined,
    maxConcurrentActivities: undefined,
    ...change,
  };
}

export interface Measured {
  readonly events?: number[];
  readonly workflowTasks?: number[];
  readonly workerCpu?: number;
  readonly serverCpu?: number | undefined;
  readonly throughput?: number;
  /** Overhead samples, ms. */
  readonly overheads?: number[];
  readonly submitDelays?: number[];
  /** Status reads by task id per job. */
  readonly gets?: number;
  /** Status reads in batches (list pages) per job. */
  readonly pages?: number;
  readonly shared?: Partial<ConfigurationResult['shared']>;
  readonly audit?: ConfigurationResult['audit'];
  readonly maxInFlight?: number;
  readonly completed?: number;
}

export function result(
  design: Design,
  measured: Measured = {},
  change: Partial<Configuration> = {},
): ConfigurationResult {
  const c = configuration(design, change);
  const events = measured.events ?? [42, 42, 42, 42];
  const gets = measured.gets ?? 6;
  const pages = measured.pages ?? 0;
  const create = 'POST /v1/videos/text2video';
  const byId = 'GET /v1/videos/text2video/{task_id}';
  const list = 'GET /v1/videos/text2video';
  return {
    configuration: c,
    completed: measured.completed ?? c.jobs,
    failed: c.jobs - (measured.completed ?? c.jobs),
    wallSeconds: 10,
    throughput: measured.throughput ?? 0.4,
    workerCpuMsPerJob: measured.workerCpu ?? 20,
    serverCpuMsPerJob: 'serverCpu' in measured ? measured.serverCpu : 30,
    overheadMs: distribution(measured.overheads ?? [500, 700, 900, 1100]),
    submitDelayMs: distribution(measured.submitDelays ?? [200, 300, 400, 2500]),
    klingRequestsPerJob: {
      [create]: 1,
      'GET /v1/videos/text2video/{id}': gets,
      'GET /v1/videos/text2video': pages,
    },
    klingErrors: design === 'sleep-loop' ? { [create]: { '429': 3 } } : {},
    klingClientRequestsPerJob: { [create]: 1, [byId]: gets, ...(pages === 0 ? {} : { [list]: pages }) },
    klingRequestKindsPerJob: { statusById: gets, statusBatch: pages, create: 1, lookup: 0 },
    historyEvents: distribution(events),
    historyBytes: distribution(events.map((n) => n * 256)),
    workflowTasks: distribution(measured.workflowTasks ?? [7, 7, 7, 7]),
    workflowTaskFailures: distribution([0, 0, 0, 0]),
    shared: {
      runs: 0,
      workflowTypes: [],
      events: 0,
      bytes: 0,
      workflowTasks: 0,
      workflowTaskFailures: 0,
      ...measured.shared,
    },
    audit: measured.audit ?? { oneTask: c.jobs, billed: c.jobs, succeeded: c.jobs },
    worker: {
      baselineRssBytes: 100 * MiB,
      peakRssBytes: 150 * MiB,
      maxInFlight: measured.maxInFlight ?? c.concurrency,
      maxKlingInFlight: c.concurrency,
      samples: [],
    },
    loadAverage: { before: 1, after: 2 },
  };
}
