import { ApplicationFailure } from '@temporalio/common';
import type { BillLine } from '../domain/bill-line.js';
import { RequestEnvelope } from '../domain/envelope.js';
import { JobFailureType } from '../domain/job-failure.js';
import type { KlingBilling } from '../domain/kling-billing.js';
import { quoteRequest, toBillLine } from '../domain/pricing.js';
import { RateCardSnapshot } from '../domain/rate-card.js';
import type { TaskEnding } from '../domain/task-ending.js';
import type { KlingTask, KlingVideoData } from '../kling/task.js';
import { JobNotBillableError } from '../store/errors.js';
import type { TaskRef } from './check-task.js';
import type { ActivityDeps } from './deps.js';
import { asActivityFailure } from './failures.js';

/** What one look at a woken job's task found, and what was written for it. */
export type Settled =
  | { readonly status: 'running'; readonly klingStatus: 'submitted' | 'processing' }
  | { readonly status: 'failed'; readonly message: string }
  | {
      readonly status: 'succeed';
      readonly videos: KlingVideoData[];
      readonly bill: BillLine;
      /** What Kling reported it charged (its new API only), as recorded on the job row: shown beside our bill. */
      readonly klingBilling?: KlingBilling;
    };

/**
 * Steps 4 and 5 of a job whose task may have ended: Kling's answer for its task — a wake-up is only a hint, never
 * billed on. That answer is the one the task sweep read from Kling and recorded before it woke the job
 * (src/domain/task-ending.ts), or else one query of the task now (the job's own check, a list entry without its
 * videos). On `succeed`, the bill line — priced from what was persisted at acceptance, nothing Kling reported — and
 * the finished job row in one transaction; on `failed`, the failure recorded; otherwise nothing. Safe to repeat: a
 * retry returns the stored line.
 */
export function settleJob(deps: ActivityDeps) {
  return async ({ jobId, taskId, family, api }: TaskRef): Promise<Settled> => {
    const job = await deps.store.getJob(jobId);
    const ending = job?.klingEnding?.taskId === taskId ? job.klingEnding : undefined;
    let task: TaskEnding | KlingTask;
    try {
      task =
        ending ??
        (api === 'new' ? await deps.kling.getNewTask(taskId) : await deps.kling.getTask(family, taskId));
    } catch (error) {
      throw asActivityFailure(error);
    }
    if (task.status === 'submitted' || task.status === 'processing') {
      return { status: 'running', klingStatus: task.status };
    }
    // Kept beside our bill, never priced with: the bill comes from the persisted request alone. The sweep that
    // recorded an ending recorded its charge with it.
    if (task.billing !== undefined && ending === undefined)
      await deps.store.recordKlingBilling(jobId, task.billing);
    if (task.status === 'failed') {
      const message = `Kling task ${taskId} failed: ${task.statusMessage || '(no reason given)'}`;
      await deps.store.finishJob(jobId, {
        outcome: 'failed',
        failureType: JobFailureType.klingTaskFailed,
        reason: message,
      });
      return { status: 'failed', message };
    }
    if (job?.klingTaskId !== taskId) {
      throw ApplicationFailure.nonRetryable(
        `Job ${jobId} has no Kling task ${taskId} to bill.`,
        'JobNotBillable',
      );
    }
    const quote = quoteRequest(RequestEnvelope.parse(job.envelope), RateCardSnapshot.parse(job.rateCard));
    const line = toBillLine(quote, { jobId, klingTaskId: taskId, createdAt: deps.now().toISOString() });
    try {
      const bill = await deps.store.billSucceededJob(line, task.videos);
      return {
        status: 'succeed',
        videos: task.videos,
        bill,
        ...(task.billing === undefined ? {} : { klingBilling: task.billing }),
      };
    } catch (error) {
      if (error instanceof JobNotBillableError)
        throw ApplicationFailure.nonRetryable(error.message, 'JobNotBillable');
      throw error;
    }
  };
}
