// The one place a Kling or store error becomes a Temporal failure: fatal → non-retryable `KlingRejected` (the job
// fails with Kling's code and message); anything else → retryable, honouring Kling's minimum backoff (1303). A
// store error: refused data → non-retryable `StoreRejected`, an unreachable database → retryable `StoreUnavailable`.
import { ApplicationFailure } from '@temporalio/common';
import { KlingError } from '../kling/errors.js';
import { JobFailureType } from '../domain/job-failure.js';
import { classifyStoreError } from '../store/errors.js';

/** The failure types of store errors (see classifyStoreError). */
export const StoreFailureType = {
  rejected: JobFailureType.storeRejected,
  unavailable: 'StoreUnavailable',
} as const;

export function asActivityFailure(error: unknown): unknown {
  const store = classifyStoreError(error);
  if (store !== undefined) return storeFailure(error as Error, store);
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

function storeFailure(error: Error, kind: 'rejected' | 'unavailable'): ApplicationFailure {
  const { code } = error as { code?: unknown };
  return ApplicationFailure.create({
    type: StoreFailureType[kind],
    // The driver's message names the problem (e.g. `invalid byte sequence for encoding "UTF8": 0x00`), never the
    // connection string or its password.
    message: `store: ${error.message}`,
    details: [{ code: typeof code === 'string' ? code : null }],
    nonRetryable: kind === 'rejected',
    cause: error,
  });
}
