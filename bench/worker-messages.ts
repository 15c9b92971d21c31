// What the harness and the worker process say to each other over the IPC channel.
import { z } from 'zod';
import { Design } from './designs.js';

export const WorkerSpec = z.object({
  address: z.string(),
  namespace: z.string(),
  taskQueue: z.string(),
  bundlePath: z.string(),
  design: Design,
  simulator: z.object({ url: z.string(), accessKey: z.string(), secretKey: z.string() }),
  /** The simulator's: production's durations are simulated time, this × wall clock. */
  timeScale: z.number().positive(),
  /** Wall-clock milliseconds; each design's wiring maps them onto its own settings. */
  wait: z.object({
    /** Between two looks at a task: the poll interval, or the sweep's (KLING_POLL_INTERVAL_SECONDS). */
    intervalMs: z.number().positive(),
    /** The same with callbacks on (KLING_CALLBACK_POLL_INTERVAL_SECONDS): a fallback poll, or the sweep's. */
    callbackPollIntervalMs: z.number().positive(),
    /** The job's whole budget for the wait. */
    budgetMs: z.number().positive(),
  }),
  /** Set for the designs with callbacks: the receiver runs in the worker process; the simulator signs with this. */
  callbacks: z.object({ webhookSecret: z.string() }).optional(),
  store: z.union([z.object({ dataDir: z.string() }), z.object({ databaseUrl: z.string() })]),
  maxCachedWorkflows: z.number().int().positive().optional(),
  maxConcurrentActivities: z.number().int().positive().optional(),
});
export type WorkerSpec = z.infer<typeof WorkerSpec>;

/** The worker process' own resource use: every thread of it (Node, the SDK's Rust core, the workflow thread). */
export const WorkerSample = z.object({
  /** process.cpuUsage(), user + system, microseconds since the process started. */
  cpuMicros: z.number(),
  rssBytes: z.number(),
  /** The most the resident set reached since the baseline (see worker-memory.ts). */
  peakRssBytes: z.number(),
  heapUsedBytes: z.number(),
  /** Kling requests the worker's client made since the process started, by the client's route template. */
  klingRequests: z.record(z.string(), z.number()),
});
export type WorkerSample = z.infer<typeof WorkerSample>;

/** Of the jobs asked about: how many have a bill line, and how many job rows say `succeeded`. */
export const StoreAudit = z.object({
  jobs: z.number().int(),
  billed: z.number().int(),
  succeeded: z.number().int(),
});
export type StoreAudit = z.infer<typeof StoreAudit>;

export const ToWorker = z.discriminatedUnion('type', [
  z.object({ type: z.literal('sample') }),
  /** Collect start-up garbage, restart the peak, then sample. */
  z.object({ type: z.literal('baseline') }),
  /** After the run: what the store holds for these jobs. */
  z.object({ type: z.literal('audit'), jobIds: z.array(z.string()) }),
  z.object({ type: z.literal('stop') }),
]);
export type ToWorker = z.infer<typeof ToWorker>;

export const FromWorker = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('sample'), sample: WorkerSample }),
  z.object({ type: z.literal('audit'), audit: StoreAudit }),
  z.object({ type: z.literal('stopped'), sample: WorkerSample }),
  z.object({ type: z.literal('failed'), message: z.string() }),
]);
export type FromWorker = z.infer<typeof FromWorker>;
