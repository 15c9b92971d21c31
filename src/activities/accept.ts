import { ApplicationFailure } from '@temporalio/common';
import { isDeepStrictEqual } from 'node:util';
import type { Quote } from '../domain/bill-line.js';
import { InvalidRequestError, normalizeRequest, RequestEnvelope } from '../domain/envelope.js';
import type { KlingFamily } from '../domain/family.js';
import { quoteRequest } from '../domain/pricing.js';
import { jobIdProblem } from '../domain/input-limits.js';
import { JobFailureType } from '../domain/job-failure.js';
import type { ActivityDeps, WaitPolicy } from './deps.js';

export interface AcceptedJob {
  readonly model: string;
  readonly family: KlingFamily;
  /** The price quoted now is the price charged: billing re-prices the same persisted request and card. */
  readonly quote: Quote;
  readonly wait: WaitPolicy;
}

/** Step 1: validate and normalize the payload, snapshot the rate card, quote, persist the job (idempotently). */
export function acceptJob(deps: ActivityDeps) {
  return async ({ jobId, payload }: { jobId: string; payload: unknown }): Promise<AcceptedJob> => {
    let envelope: RequestEnvelope;
    try {
      // The job id is the workflow id: a client that bypassed startJob can set anything there.
      const jobIdIssue = jobIdProblem(jobId);
      if (jobIdIssue !== undefined) throw new InvalidRequestError([{ path: 'jobId', message: jobIdIssue }]);
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
    // A retry finds its own row; a row with another request means the job id was reused for a different job.
    // Compared as stored JSON, which drops `undefined` members.
    const stored = RequestEnvelope.parse(job.envelope);
    if (!isDeepStrictEqual(stored, RequestEnvelope.parse(JSON.parse(JSON.stringify(envelope))))) {
      throw ApplicationFailure.create({
        type: JobFailureType.jobIdConflict,
        message: `Job id "${jobId}" already holds a different request; use a new job id.`,
        nonRetryable: true,
      });
    }
    return { model: stored.model, family: stored.family, quote: job.quote, wait: deps.wait };
  };
}
