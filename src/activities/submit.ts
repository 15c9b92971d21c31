import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { RequestEnvelope } from '../domain/envelope.js';
import type { KlingFamily } from '../domain/family.js';
import type { KlingTaskStatus } from '../kling/task.js';
import type { ActivityDeps } from './deps.js';
import { asActivityFailure } from './failures.js';

export interface SubmittedTask {
  readonly taskId: string;
  readonly family: KlingFamily;
  readonly status: KlingTaskStatus;
}

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
    try {
      // Only a retry can find a task an earlier attempt created; a first attempt skips the lookup. The attempt is
      // counted by the server, which is one reason this is a normal activity (see src/workflows/kling-video.ts).
      const lookupFirst = Context.current().info.attempt > 1;
      const body =
        deps.callbackUrl === undefined
          ? envelope.klingBody
          : { ...envelope.klingBody, callback_url: deps.callbackUrl(jobId) };
      const task = await deps.kling.submitTask(envelope.family, body, jobId, { lookupFirst });
      await deps.store.recordSubmission(jobId, {
        klingTaskId: task.taskId,
        family: envelope.family,
        // Where the account's task sweep finds the task: its queue, and Kling's own creation time.
        sweep: { taskQueue: Context.current().info.taskQueue, klingCreatedAt: task.createdAt },
      });
      return { taskId: task.taskId, family: envelope.family, status: task.status };
    } catch (error) {
      throw asActivityFailure(error);
    }
  };
}
