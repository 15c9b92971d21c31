// The production activities as they were before issue 15 (src/activities at commit 7872b16: accept, submit,
// check, bill, finish), frozen so that the `retry-poll` and `callbacks` designs, and the success path the other
// alternatives share (job-steps.ts), keep running today's code after production changes. Same activity names
// as production: a worker of an alternative design registers these instead of src/activities, never both.
// What is not frozen is what issue 15 leaves alone: the domain, the Kling client, the store and the one
// classification of Kling errors (src/activities/failures.ts).
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { isDeepStrictEqual } from 'node:util';
import { asActivityFailure } from '../../src/activities/failures.js';
import type { BillLine, Quote } from '../../src/domain/bill-line.js';
import { InvalidRequestError, normalizeRequest, RequestEnvelope } from '../../src/domain/envelope.js';
import type { KlingFamily } from '../../src/domain/family.js';
import { JobFailureType } from '../../src/domain/job-failure.js';
import { quoteRequest, toBillLine } from '../../src/domain/pricing.js';
import { RateCardSnapshot } from '../../src/domain/rate-card.js';
import type { KlingTaskStatus, KlingVideoData } from '../../src/kling/task.js';
import type { JobFinish } from '../../src/store/job.js';
import type { AlternativeDeps, WaitPolicy } from './deps.js';

export interface AcceptedJob {
  readonly model: string;
  readonly family: KlingFamily;
  readonly quote: Quote;
  readonly wait: WaitPolicy;
}

export interface SubmittedTask {
  readonly taskId: string;
  readonly family: KlingFamily;
  readonly status: KlingTaskStatus;
}

export interface TaskRef {
  readonly jobId: string;
  readonly taskId: string;
  readonly family: KlingFamily;
}

/** A task that ended. Decides *whether* to bill, never how much. */
export interface TaskOutcome {
  readonly status: 'succeed' | 'failed';
  readonly statusMessage: string;
  readonly videos: KlingVideoData[];
}

/** "Not finished yet, ask again after the poll interval": the retry policy is the poll timer. */
export const TASK_NOT_READY = 'TaskNotReady';

/** What one look at the task saw, whatever its status. */
export interface TaskSighting {
  readonly status: KlingTaskStatus;
  readonly statusMessage: string;
  readonly videos: KlingVideoData[];
}

/** One status query, its answer recorded on the job row: every design's look at a task. */
export async function look(deps: AlternativeDeps, { jobId, taskId, family }: TaskRef): Promise<TaskSighting> {
  let task;
  try {
    task = await deps.kling.getTask(family, taskId);
  } catch (error) {
    throw asActivityFailure(error);
  }
  await deps.store.recordKlingStatus(jobId, task.status);
  return { status: task.status, statusMessage: task.statusMessage, videos: task.videos };
}

export function isFinal(
  sighting: TaskSighting,
): sighting is TaskSighting & { status: TaskOutcome['status'] } {
  return sighting.status === 'succeed' || sighting.status === 'failed';
}

export function createJobActivities(deps: AlternativeDeps) {
  return {
    /** Validate and normalize the payload, snapshot the rate card, quote, persist the job (idempotently). */
    async acceptJob({ jobId, payload }: { jobId: string; payload: unknown }): Promise<AcceptedJob> {
      let envelope: RequestEnvelope;
      try {
        envelope = normalizeRequest(payload);
      } catch (error) {
        if (error instanceof InvalidRequestError) {
          throw ApplicationFailure.create({
            type: JobFailureType.invalidRequest,
            message: error.message,
            details: [error.issues],
            nonRetryable: true,
          });
        }
        throw error;
      }
      const quote = quoteRequest(envelope, deps.rateCard);
      const { job } = await deps.store.insertJob({
        jobId,
        model: envelope.model,
        envelope,
        rateCard: deps.rateCard,
        quote,
      });
      const stored = RequestEnvelope.parse(job.envelope);
      if (!isDeepStrictEqual(stored, RequestEnvelope.parse(JSON.parse(JSON.stringify(envelope))))) {
        throw ApplicationFailure.create({
          type: JobFailureType.jobIdConflict,
          message: `Job id "${jobId}" already holds a different request; use a new job id.`,
          nonRetryable: true,
        });
      }
      return { model: stored.model, family: stored.family, quote: job.quote, wait: deps.wait };
    },

    /** Create the Kling task with external_task_id = job id; a retry looks the task up before creating one. */
    async submitTask({ jobId }: { jobId: string }): Promise<SubmittedTask> {
      const job = await deps.store.getJob(jobId);
      if (job === undefined)
        throw ApplicationFailure.nonRetryable(`Job ${jobId} was never accepted.`, 'JobNotFound');
      if (job.klingTaskId !== null && job.klingFamily !== null) {
        return { taskId: job.klingTaskId, family: job.klingFamily, status: 'submitted' };
      }
      const envelope = RequestEnvelope.parse(job.envelope);
      try {
        const mayExist = Context.current().info.attempt > 1;
        const body =
          deps.callbackUrl === undefined
            ? envelope.klingBody
            : { ...envelope.klingBody, callback_url: deps.callbackUrl(jobId) };
        const task = await deps.kling.submitTask(envelope.family, body, jobId, { mayExist });
        await deps.store.recordSubmission(jobId, { klingTaskId: task.taskId, family: envelope.family });
        return { taskId: task.taskId, family: envelope.family, status: task.status };
      } catch (error) {
        throw asActivityFailure(error);
      }
    },

    /** One look at the task; while it runs, a BENIGN `TaskNotReady` makes the retry policy the poll timer. */
    async checkTask(ref: TaskRef): Promise<TaskOutcome> {
      const sighting = await look(deps, ref);
      if (isFinal(sighting)) return sighting;
      throw ApplicationFailure.create({
        type: TASK_NOT_READY,
        message: `Kling task ${ref.taskId} is ${sighting.status}`,
        category: 'BENIGN',
        details: [{ status: sighting.status }],
      });
    },

    /** Price the job from what was persisted at acceptance and write the bill line once. */
    async billJob({ jobId }: { jobId: string }): Promise<BillLine> {
      const existing = await deps.store.getBillLine(jobId);
      if (existing !== undefined) return existing;
      const job = await deps.store.getJob(jobId);
      if (job?.klingTaskId == null) {
        throw ApplicationFailure.nonRetryable(`Job ${jobId} has no Kling task to bill.`, 'JobNotBillable');
      }
      const quote = quoteRequest(RequestEnvelope.parse(job.envelope), RateCardSnapshot.parse(job.rateCard));
      const line = toBillLine(quote, {
        jobId,
        klingTaskId: job.klingTaskId,
        createdAt: deps.now().toISOString(),
      });
      const { line: stored } = await deps.store.insertBillLine(line);
      return stored;
    },

    /** Record the outputs or the failure reason on the job row. */
    async finishJob({ jobId, outcome }: { jobId: string; outcome: JobFinish }): Promise<void> {
      await deps.store.finishJob(jobId, outcome);
    },
  };
}

export type JobActivities = ReturnType<typeof createJobActivities>;
