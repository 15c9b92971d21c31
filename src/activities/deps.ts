import type { Client } from '@temporalio/client';
import type { RateCardSnapshot } from '../domain/rate-card.js';
import type { KlingClient } from '../kling/client.js';
import type { JobStore } from '../store/job-store.js';

/** How a job waits on Kling (and for a slot); worker configuration, handed to the workflow by `acceptJob`. */
export interface WaitPolicy {
  /**
   * How often the task sweep reads every waiting task (KLING_POLL_INTERVAL_SECONDS, or the slower
   * KLING_CALLBACK_POLL_INTERVAL_SECONDS with callbacks on); jobs started before issue 15 poll at it themselves.
   */
  readonly pollIntervalMs: number;
  readonly budgetMs: number;
  /**
   * A job's own check of its task when no wake-up came: slow, it only matters while the sweep is not running.
   * Absent from workers before issue 15 (a rolling upgrade): the job then checks every five minutes.
   */
  readonly fallbackCheckMs?: number;
  /** Only in histories of jobs started before issue 15, which raced callback hints against polling. */
  readonly callbacks?: true;
  /** Set when a job must hold one of the account's slots from before it submits until its task ends. */
  readonly slots?: SlotPolicy;
}

/** Queueing at Kling's account concurrency limit (`KLING_MAX_CONCURRENT_TASKS`), handed to the workflow by `acceptJob`. */
export interface SlotPolicy {
  /** The account-slots workflow shared by every worker of the account (see {@link accountSlotsWorkflowId}). */
  readonly workflowId: string;
  readonly limit: number;
}

/** The ports and settings the activities use. Built once per worker process. */
export interface ActivityDeps {
  readonly store: JobStore;
  readonly kling: KlingClient;
  /** The rate card in force when a job is accepted; each job keeps its own snapshot afterwards. */
  readonly rateCard: RateCardSnapshot;
  /**
   * Models both Kling APIs serve that go to the new one (canonical names, KLING_NEW_API_MODELS); none when absent.
   * Decided for a job at acceptance and kept with it.
   */
  readonly newApiModels?: readonly string[];
  readonly wait: WaitPolicy;
  readonly now: () => Date;
  /** The `callback_url` of a job, when Kling callbacks are on; worker-owned, so the request envelope never holds it. */
  readonly callbackUrl?: (jobId: string) => string;
  /** Signals jobs from the task sweep, reaches the account-slots workflow and describes jobs. */
  readonly temporal: Client;
}

/**
 * The job's own check: ten sweep intervals, at least ten minutes. Longer than almost every generation (Kling takes
 * 1–5 minutes), so while the sweep runs a job ends before its check is due and the check costs nothing; a sweep that
 * stopped delays a job by at most this.
 */
export function defaultFallbackCheckMs(pollIntervalMs: number): number {
  return Math.max(10 * 60_000, 10 * pollIntervalMs);
}

/** One slots workflow per task queue: the workers of one queue share one Kling account. */
export function accountSlotsWorkflowId(taskQueue: string): string {
  return `kling-account-slots/${taskQueue}`;
}
