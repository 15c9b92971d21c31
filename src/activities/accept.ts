import { ApplicationFailure } from '@temporalio/common';
import { isDeepStrictEqual } from 'node:util';
import type { Quote } from '../domain/bill-line.js';
import {
  extensionVideoId,
  InvalidRequestError,
  normalizeRequest,
  RequestEnvelope,
  type ExtensionSource,
} from '../domain/envelope.js';
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
  const newApiModels = new Set(deps.newApiModels ?? []);
  return async ({ jobId, payload }: { jobId: string; payload: unknown }): Promise<AcceptedJob> => {
    let envelope: RequestEnvelope;
    try {
      // The job id is the workflow id: a client that bypassed startJob can set anything there.
      const jobIdIssue = jobIdProblem(jobId);
      if (jobIdIssue !== undefined) throw new InvalidRequestError([{ path: 'jobId', message: jobIdIssue }]);
      const extensionSource = await extensionSourceOf(deps, extensionVideoId(payload));
      envelope = normalizeRequest(payload, {
        newApiModels,
        ...(extensionSource === undefined ? {} : { extensionSource }),
      });
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
    refuseWithoutNewApiKey(deps, envelope);
    const quote = quoteRequest(envelope, deps.rateCard);
    const { job } = await deps.store.insertJob({
      jobId,
      model: envelope.model,
      envelope,
      rateCard: deps.rateCard,
      quote,
    });
    // A retry finds its own row; a row with another request means the job id was reused for a different job.
    // Compared as stored JSON, which drops `undefined` members. The API the job goes to is configuration, not the
    // request: a retry on a worker configured otherwise keeps the stored one (and needs its key).
    const stored = RequestEnvelope.parse(job.envelope);
    if (
      !isDeepStrictEqual(
        requestOf(stored),
        requestOf(RequestEnvelope.parse(JSON.parse(JSON.stringify(envelope)))),
      )
    ) {
      throw ApplicationFailure.create({
        type: JobFailureType.jobIdConflict,
        message: `Job id "${jobId}" already holds a different request; use a new job id.`,
        nonRetryable: true,
      });
    }
    refuseWithoutNewApiKey(deps, stored);
    return { model: stored.model, family: stored.family, quote: job.quote, wait: deps.wait };
  };
}

function requestOf(envelope: RequestEnvelope): Omit<RequestEnvelope, 'api'> {
  const { api: _api, ...request } = envelope;
  return request;
}

/** A job for Kling's new API needs its API key: without it, the job ends here — nothing submitted, nothing billed. */
function refuseWithoutNewApiKey(deps: ActivityDeps, envelope: RequestEnvelope): void {
  if (envelope.api !== 'new' || deps.kling.canUse('new')) return;
  const model = envelope.requestedModel ?? envelope.model;
  throw ApplicationFailure.create({
    type: JobFailureType.klingNotConfigured,
    message:
      `${model} goes to Kling's new API, which takes only an API key, and this worker has none: set KLING_API_KEY ` +
      '(KLING_ACCESS_KEY / KLING_SECRET_KEY sign only the legacy API). Nothing was submitted or charged.',
    nonRetryable: true,
  });
}

/**
 * The job of this worker that made the video a video extension continues: Kling extends with its model and mode,
 * so the job is checked and billed with them. A video this worker did not make keeps the payload's.
 */
async function extensionSourceOf(
  deps: ActivityDeps,
  videoId: string | undefined,
): Promise<ExtensionSource | undefined> {
  if (videoId === undefined) return undefined;
  const source = await deps.store.findJobByOutputVideo(videoId);
  if (source === undefined) return undefined;
  const { model, mode } = RequestEnvelope.parse(source.envelope);
  return { jobId: source.jobId, model, mode };
}
