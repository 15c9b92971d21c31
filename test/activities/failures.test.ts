// Kling's throttling answers (1302, 1303) back off exponentially with jitter from Kling's minimum (issue 14): the
// delay handed to Temporal as `nextRetryDelay` grows with the attempt, is spread by jitter, never falls below the
// minimum and never exceeds the cap. A fixed delay (Kling's minimum on every attempt) is what this replaces.
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { asActivityFailure, MAX_THROTTLE_DELAY_MS, throttleDelayMs } from '../../src/activities/failures.js';
import { KlingError, classifyKlingCode } from '../../src/kling/errors.js';

const klingError = (code: number) =>
  new KlingError(`Kling answered ${code}`, {
    httpStatus: 429,
    code,
    requestId: 'req-1',
    ...classifyKlingCode(code, 429, true),
  });

const delayOf = (failure: unknown): number | undefined => {
  if (!(failure instanceof ApplicationFailure)) throw new Error('not an ApplicationFailure');
  const delay = (failure as { nextRetryDelay?: unknown }).nextRetryDelay;
  return delay === undefined ? undefined : Number(delay);
};

describe('throttleDelayMs', () => {
  it('doubles from the minimum, with the jitter inside [ceiling / 2, ceiling]', () => {
    const low = () => 0;
    const high = () => 1;
    expect([1, 2, 3, 4, 5, 6].map((attempt) => throttleDelayMs(1000, attempt, low))).toEqual([
      1000, 1000, 2000, 4000, 8000, 16000,
    ]);
    expect([1, 2, 3, 4, 5, 6].map((attempt) => throttleDelayMs(1000, attempt, high))).toEqual([
      1000, 2000, 4000, 8000, 16000, 32000,
    ]);
  });

  it('stops growing at the cap, and never goes below the minimum', () => {
    expect(throttleDelayMs(1000, 40, () => 1)).toBe(MAX_THROTTLE_DELAY_MS);
    expect(throttleDelayMs(1000, 40, () => 0)).toBe(MAX_THROTTLE_DELAY_MS / 2);
    for (let attempt = 1; attempt < 12; attempt++)
      expect(throttleDelayMs(1000, attempt, Math.random)).toBeGreaterThanOrEqual(1000);
  });

  it('spreads jobs throttled at the same attempt instead of retrying them together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => throttleDelayMs(1000, 5, Math.random)));
    expect(delays.size).toBeGreaterThan(25);
  });
});

describe('asActivityFailure', () => {
  it.each([1302, 1303])('%i: a retryable failure whose delay grows with the attempt', (code) => {
    const delays = [1, 3, 5].map((attempt) => delayOf(asActivityFailure(klingError(code), attempt, () => 1)));
    expect(delays).toEqual([1000, 4000, 16000]);
    const failure = asActivityFailure(klingError(code), 1, () => 1) as ApplicationFailure;
    expect(failure).toMatchObject({ type: 'KlingUnavailable', nonRetryable: false });
    // The same delay in the details, where the workflow reads it after a local attempt.
    const third = asActivityFailure(klingError(code), 3, () => 1) as ApplicationFailure;
    expect(third.details).toEqual([{ httpStatus: 429, code, requestId: 'req-1', retryAfterMs: 4000 }]);
  });

  it("leaves other retryable errors to the retry policy's own backoff", () => {
    const failure = asActivityFailure(klingError(5001), 7) as ApplicationFailure;
    expect(delayOf(failure)).toBeUndefined();
    expect(failure.details).toEqual([{ httpStatus: 429, code: 5001, requestId: 'req-1' }]);
  });

  it('turns a fatal answer into a non-retryable KlingRejected', () => {
    expect(asActivityFailure(klingError(1101), 1)).toMatchObject({
      type: 'KlingRejected',
      nonRetryable: true,
    });
  });
});
