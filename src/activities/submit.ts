import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { RequestEnvelope } from '../domain/envelope.js';
import type { KlingFamily } from '../domain/family.js';
import { KlingError } from '../kling/errors.js';
import type { KlingTaskStatus } from '../kling/task.js';
import type { ActivityDeps } from './deps.js';
import { asActivityFailure } from './failures.js';

export interface SubmittedTask {
  readonly taskId: string;
  readonly family: KlingFamily;
  readonly status: KlingTaskStatus;
}

/**
 * What a submit attempt leaves in its heartbeat details when Kling refused the create for the account's limit
 * (1303, an answer only a create gets): no task was made, so the next attempt need not look one up. At the
 * account's limit that saves the lookups on every retry. Anything else — a crash, a timeout, an ambiguous
 * create — leaves no such note for the attempt just before, and the next attempt looks up first.
 */
const RefusedCreate = z.object({ refusedOnAttempt: z.number().int().positive() });

/**
 * Step 2: create the Kling task from the persisted request, with external_task_id = job id. Safe to retry: a job
 * that already has a task returns it, and the client looks the task up by job id before creating one.
 */
export function submitTask(deps: ActivityDeps) {
  return async ({ jobId }: { jobId: string }): Promise<SubmittedTask> => {
    const job = await deps.store.getJob(jobId);
    if (job === undefined)
      throw ApplicationFailure.nonRetryable(`Job ${jobId} was never accepted.`, 'JobNotFound');
    if (job.klingTaskId !== null && job.klingFamily !== null) {
      return { taskId: job.klingTaskId, family: job.klingFamily, status: 'submitted' };
    }
    const envelope = RequestEnvelope.parse(job.envelope);
    const { attempt } = Context.current().info;
    // Only a retry can find a task an earlier attempt created: not the first attempt, and not one that follows
    // a refused create (the attempts before that one were covered by its own lookup or by the same argument).
    const previous = RefusedCreate.safeParse(Context.current().info.heartbeatDetails as unknown);
    const lookupFirst = attempt > 1 && !(previous.success && previous.data.refusedOnAttempt === attempt - 1);
    try {
      const body =
        deps.callbackUrl === undefined
          ? envelope.klingBody
          : { ...envelope.klingBody, callback_url: deps.callbackUrl(jobId) };
      const task = await deps.kling.submitTask(envelope.family, body, jobId, { lookupFirst });
      await deps.store.recordSubmission(jobId, { klingTaskId: task.taskId, family: envelope.family });
      return { taskId: task.taskId, family: envelope.family, status: task.status };
    } catch (error) {
      if (error instanceof KlingError && error.code === 1303) {
        Context.current().heartbeat({ refusedOnAttempt: attempt } satisfies z.infer<typeof RefusedCreate>);
      }
      throw asActivityFailure(error, attempt);
    }
  };
}
