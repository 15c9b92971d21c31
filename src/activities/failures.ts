// The one place a Kling error becomes a Temporal failure: fatal → non-retryable `KlingRejected` (the job fails
// with Kling's code and message); anything else → retryable, honouring Kling's minimum backoff (1303).
import { ApplicationFailure } from '@temporalio/common';
import { KlingError } from '../kling/errors.js';
import { JobFailureType } from '../domain/job-failure.js';

export function asActivityFailure(error: unknown): unknown {
  if (!(error instanceof KlingError)) return error;
  const details = { httpStatus: error.httpStatus, code: error.code, requestId: error.requestId };
  if (error.kind === 'fatal') {
    return ApplicationFailure.create({
      type: JobFailureType.klingRejected,
      message: error.message,
      details: [details],
      nonRetryable: true,
    });
  }
  return ApplicationFailure.create({
    type: 'KlingUnavailable',
    message: error.message,
    details: [details],
    ...(error.minBackoffMs === undefined ? {} : { nextRetryDelay: error.minBackoffMs }),
  });
}
