// The one place a Kling or store error becomes a Temporal failure. Kling: fatal → non-retryable `KlingRejected` (the
// job fails with Kling's code and message); anything else → retryable. Kling's throttling answers (1302, 1303) back
// off exponentially with jitter from Kling's minimum: a fixed `nextRetryDelay` would replace the retry policy's own
// backoff on every attempt (temporal-notes.md), so a busy account would be asked again every second. Store: refused
// data → non-retryable `StoreRejected`, an unreachable database → retryable `StoreUnavailable`.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { KlingError } from '../kling/errors.js';
import { JobFailureType } from '../domain/job-failure.js';
import { classifyStoreError } from '../store/errors.js';

/** The failure types of store errors (see classifyStoreError). */
export const StoreFailureType = {
  rejected: JobFailureType.storeRejected,
  unavailable: 'StoreUnavailable',
} as const;

/** The longest wait between two throttled attempts: the submit retry policy's own maximum interval. */
export const MAX_THROTTLE_DELAY_MS = 60_000;

/**
 * The delay before retry number `attempt` + 1 after Kling throttled attempt `attempt`: doubling from Kling's
 * minimum, capped, with "equal jitter" (half fixed, half random) so retries of many jobs spread out instead of
 * arriving together the moment a slot frees; never below the minimum.
 */
export function throttleDelayMs(minBackoffMs: number, attempt: number, random: () => number): number {
  const ceiling = Math.min(MAX_THROTTLE_DELAY_MS, minBackoffMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(minBackoffMs, Math.round(ceiling / 2 + (random() * ceiling) / 2));
}

/** `attempt`: the activity attempt that failed (read from the running activity when not given, and needed). */
export function asActivityFailure(
  error: unknown,
  attempt?: number,
  random: () => number = Math.random,
): unknown {
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
  if (error.minBackoffMs === undefined)
    return ApplicationFailure.create({
      type: 'KlingUnavailable',
      message: error.message,
      details: [details],
    });
  const delayMs = throttleDelayMs(error.minBackoffMs, attempt ?? Context.current().info.attempt, random);
  return ApplicationFailure.create({
    type: 'KlingUnavailable',
    message: error.message,
    // Also in the details: a local activity's failure reaches the workflow without its nextRetryDelay, and the
    // workflow waits this long before the normal activity takes over (kling-video.ts, submitHereFirst).
    details: [{ ...details, retryAfterMs: delayMs }],
    nextRetryDelay: delayMs,
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
