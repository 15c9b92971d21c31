import { z } from 'zod';
import { Quote } from '../domain/bill-line.js';
import { KlingApi, KlingFamily } from '../domain/family.js';
import { KlingBilling } from '../domain/kling-billing.js';
import { TaskEnding } from '../domain/task-ending.js';

/** Where a job stands. `accepted` and `submitted` are open; every other status is final. */
export const JobStatus = z.enum([
  'accepted',
  'submitted',
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'rejected',
]);
export type JobStatus = z.infer<typeof JobStatus>;

/** One output video as Kling reported it; `duration` stays Kling's string (e.g. `"5.04"`) and never prices anything. */
export const JobVideo = z.object({ id: z.string(), url: z.string(), duration: z.string() });
export type JobVideo = z.infer<typeof JobVideo>;

/**
 * A job row. The envelope and the rate-card snapshot are kept as the JSON they were stored as: their schemas live
 * in src/domain and the caller parses them there, so the store holds no second copy of either shape.
 */
export const Job = z.object({
  jobId: z.string(),
  model: z.string(),
  status: JobStatus,
  envelope: z.unknown(),
  rateCard: z.unknown(),
  rateCardSha256: z.string(),
  /** The price quoted at acceptance, which is the price charged. */
  quote: Quote,
  klingTaskId: z.string().nullable(),
  klingFamily: KlingFamily.nullable(),
  /** The API generation the task was created on; `null` before submission, and for jobs from before the new API (legacy). */
  klingApi: KlingApi.nullable(),
  /** The last task status Kling reported (`submitted`, `processing`, `succeed`, `failed`). */
  klingStatus: z.string().nullable(),
  /** What Kling reported it charged for the task (its new API's `billing[]`); `null` when it reported nothing. */
  klingBilling: KlingBilling.nullable(),
  /** How the task ended, as the task sweep read it from Kling; `null` until it did (src/domain/task-ending.ts). */
  klingEnding: TaskEnding.nullable(),
  outputs: z.array(JobVideo).nullable(),
  failure: z.object({ type: z.string(), reason: z.string() }).nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Job = z.infer<typeof Job>;

export interface NewJob {
  jobId: string;
  model: string;
  envelope: unknown;
  rateCard: unknown;
  quote: Quote;
}

export interface Submission {
  klingTaskId: string;
  family: KlingFamily;
  /** Where the task was created; the legacy API when absent. */
  api?: KlingApi;
  /** The Kling account's task queue and Kling's `created_at` (Unix ms): what the task sweep needs to find it. */
  sweep?: { taskQueue: string; klingCreatedAt: number };
}

/** A submitted job whose task has not been seen ending: what the task sweep reads Kling's list for. */
export interface WaitingTask {
  readonly jobId: string;
  readonly taskId: string;
  readonly family: KlingFamily;
  /** The API the task was created on: legacy tasks are read per family, new-API tasks in batches of ids. */
  readonly api: KlingApi;
  /** Kling's `created_at` of the task (Unix ms). */
  readonly createdAt: number;
  /** The status last recorded for it (`submitted`, `processing`); absent until a status was recorded. */
  readonly klingStatus?: string;
}

/** How a job's task ended, as the task sweep read it: written before the job is woken, so it settles on it. */
export interface TaskEndingSeen {
  readonly jobId: string;
  readonly ending: TaskEnding;
}

/** The status Kling last reported for a job's task (`submitted`, `processing`, `succeed`, `failed`). */
export interface KlingStatusSeen {
  readonly jobId: string;
  readonly status: string;
}

export type JobFinish =
  | { outcome: 'succeeded'; outputs: JobVideo[] }
  | { outcome: 'failed' | 'timed_out' | 'cancelled' | 'rejected'; failureType: string; reason: string };
