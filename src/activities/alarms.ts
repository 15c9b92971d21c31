// A job that keeps failing must be seen (issue 13). Every activity runs through this interceptor: the one place
// where any error becomes its Temporal failure (asActivityFailure), and where a run of failures of one type
// raises an alarm — a count of `kling_video_job_alarms_total{activity, failure_type}` and one ERROR line naming
// the job and the cause. The retry policies go on retrying (a database may come back); the alarm says someone
// should look, once per activity and failure type in this worker process.
import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { JobFailureType } from '../domain/job-failure.js';
import { JOB_ALARMS_METRIC } from '../telemetry/metric-names.js';
import { asActivityFailure, StoreFailureType } from './failures.js';

/** Failures of one type in a row, of one activity type in one workflow run, that raise the alarm. */
export const ALARM_AFTER_FAILURES = 5;
/** Runs of failures this process remembers; the oldest is forgotten first. */
const MAX_TRACKED = 10_000;

/** The `failure_type` label values; anything else is counted as `Other`, so the label stays bounded. */
const ALARM_FAILURE_TYPES: ReadonlySet<string> = new Set([
  ...Object.values(JobFailureType),
  ...Object.values(StoreFailureType),
  'KlingUnavailable',
  'SlotsNotConfigured',
  'JobNotFound',
  'JobNotBillable',
]);

interface Streak {
  readonly type: string;
  readonly count: number;
  readonly alarmed: boolean;
}

export function failureAlarms(): ActivityInterceptorsFactory {
  const streaks = new Map<string, Streak>();
  return (ctx) => {
    // One run of failures per workflow run and activity type, not per activity execution: a job's store step
    // fails its local attempts and then its normal ones, a settle that failed is tried again later as a new local
    // activity, and the account's sweep fails once per sweep — each the same step failing again.
    const { workflowExecution, activityType } = ctx.info;
    const key = `${workflowExecution?.workflowId}/${workflowExecution?.runId}/${activityType}`;
    return {
      inbound: {
        async execute(input, next) {
          try {
            const result = await next(input);
            streaks.delete(key);
            return result;
          } catch (error) {
            const failure = asActivityFailure(error);
            const streak = nextStreak(streaks.get(key), failure);
            streaks.delete(key);
            if (streak === undefined) throw failure;
            const alarm =
              !streak.alarmed && (streak.count >= ALARM_AFTER_FAILURES || isStoreRejected(failure));
            if (alarm) raiseAlarm(ctx, input.args[0], streak, failure);
            streaks.set(key, { ...streak, alarmed: streak.alarmed || alarm });
            if (streaks.size > MAX_TRACKED) streaks.delete(streaks.keys().next().value ?? '');
            throw failure;
          }
        },
      },
    };
  };
}

/**
 * The run of failures this one extends, or `undefined` when it is not a failure worth counting: a BENIGN "not ready
 * yet" (the poll working as designed) or a cancellation. A failure unseen before starts at 1, also when another
 * worker ran the earlier attempts: an alarm then comes a few attempts later rather than on one transient error.
 */
function nextStreak(previous: Streak | undefined, failure: unknown): Streak | undefined {
  if (failure instanceof CancelledFailure) return undefined;
  if (failure instanceof ApplicationFailure && failure.category === 'BENIGN') return undefined;
  const type = failureType(failure);
  return previous?.type === type
    ? { type, count: previous.count + 1, alarmed: previous.alarmed }
    : { type, count: 1, alarmed: false };
}

function failureType(failure: unknown): string {
  if (failure instanceof ApplicationFailure) return failure.type ?? 'Error';
  return failure instanceof Error ? failure.name : 'Error';
}

/** Refused by the database: the job fails at once, maybe after Kling charged for it, so it alarms at once too. */
function isStoreRejected(failure: unknown): boolean {
  return failure instanceof ApplicationFailure && failure.type === StoreFailureType.rejected;
}

function raiseAlarm(ctx: Context, firstArg: unknown, streak: Streak, failure: unknown): void {
  const { activityType, attempt, workflowExecution } = ctx.info;
  const failureTypeLabel = ALARM_FAILURE_TYPES.has(streak.type) ? streak.type : 'Other';
  ctx.metricMeter
    .createCounter(JOB_ALARMS_METRIC, '1', 'Activities that keep failing the same way')
    .add(1, { activity: activityType, failure_type: failureTypeLabel });
  // Every job activity takes `{ jobId }`; the slots' and the sweep's activities are named by their workflow id.
  const jobId = (firstArg as { jobId?: unknown } | undefined)?.jobId;
  const cause = failure instanceof Error ? failure.message.slice(0, 500) : String(failure);
  const subject = typeof jobId === 'string' ? `job ${jobId}` : `workflow ${workflowExecution?.workflowId}`;
  ctx.log.error(
    `${subject}: ${activityType} keeps failing (${streak.type}, ${streak.count} in a row, attempt ${attempt}): ${cause}`,
    {
      ...(typeof jobId === 'string' ? { jobId } : {}),
      activity: activityType,
      failureType: streak.type,
      attempt,
      cause,
    },
  );
}
