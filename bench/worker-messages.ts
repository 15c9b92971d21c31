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
  wait: z.object({ pollIntervalMs: z.number().positive(), budgetMs: z.number().positive() }),
  /** Set for the callbacks design: the receiver runs in the worker process; the simulator signs with this secret. */
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
});
export type WorkerSample = z.infer<typeof WorkerSample>;

export const ToWorker = z.discriminatedUnion('type', [
  z.object({ type: z.literal('sample') }),
  /** Collect start-up garbage, restart the peak, then sample. */
  z.object({ type: z.literal('baseline') }),
  z.object({ type: z.literal('stop') }),
]);
export type ToWorker = z.infer<typeof ToWorker>;

export const FromWorker = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('sample'), sample: WorkerSample }),
  z.object({ type: z.literal('stopped'), sample: WorkerSample }),
  z.object({ type: z.literal('failed'), message: z.string() }),
]);
export type FromWorker = z.infer<typeof FromWorker>;
