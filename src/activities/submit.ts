import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { RequestEnvelope } from '../domain/envelope.js';
import type { KlingFamily } from '../domain/family.js';
import { newApiCreateOf, type NewApiCreate } from '../domain/new-api-body.js';
import { KlingError } from '../kling/errors.js';
import type { KlingTaskStatus } from '../kling/task.js';
import type { ActivityDeps } from './deps.js';
import { asActivityFailure } from './failures.js';

export interface SubmittedTask {
  readonly taskId: string;
  readonly family: KlingFamily;
  /** `new`: the task lives on Kling's new API, where it is queried; absent: the legacy API. */
  readonly api?: 'new';
  readonly status: KlingTaskStatus;
}

/**
 * What one attempt leaves the next, as its last heartbeat's details (Temporal hands them to the next attempt):
 * whether a create of an earlier attempt may have made a task nobody recorded. Only then is a lookup worth a
 * request before creating; an attempt whose create was refused proves it made nothing.
 */
interface SubmitProgress {
  readonly createMayHaveLanded: boolean;
}

/**
 * Step 2: create the Kling task from the persisted request, with external_task_id = job id. Safe to retry, as a
 * local or a normal activity: a job that already has a task returns it, and the client looks the task up by job id
 * whenever an earlier create may have made it.
 */
export function submitTask(deps: ActivityDeps) {
  return async ({ jobId }: { jobId: string }): Promise<SubmittedTask> => {
    const started = await deps.store.startCreate(jobId);
    if (started === undefined)
      throw ApplicationFailure.nonRetryable(`Job ${jobId} was never accepted.`, 'JobNotFound');
    const { job, createSentBefore } = started;
    if (job.klingTaskId !== null && job.klingFamily !== null) {
      const api = job.klingApi === 'new' ? { api: 'new' as const } : {};
      return { taskId: job.klingTaskId, family: job.klingFamily, ...api, status: 'submitted' };
    }
    const envelope = RequestEnvelope.parse(job.envelope);
    const context = Context.current();
    // The store says whether any earlier submit sent a create (also one that died with its worker, as a local
    // activity does, leaving no attempt count); an earlier attempt of this activity may say its create was refused.
    const mayExist =
      createSentBefore && (context.info.attempt === 1 || createMayHaveLanded(context.info.heartbeatDetails));
    try {
      const callbackUrl = deps.callbackUrl?.(jobId);
      const task =
        envelope.api === 'new'
          ? await deps.kling.submitNewTask(withOptions(newApiCreateOf(envelope), callbackUrl), jobId, {
              mayExist,
            })
          : await deps.kling.submitTask(
              envelope.family,
              callbackUrl === undefined
                ? envelope.klingBody
                : { ...envelope.klingBody, callback_url: callbackUrl },
              jobId,
              { mayExist },
            );
      const api = envelope.api ?? 'legacy';
      await deps.store.recordSubmission(jobId, {
        klingTaskId: task.taskId,
        family: envelope.family,
        api,
        // Where the account's task sweep finds the task: its queue, and Kling's own creation time.
        sweep: { taskQueue: context.info.taskQueue, klingCreatedAt: task.createdAt },
      });
      return {
        taskId: task.taskId,
        family: envelope.family,
        ...(api === 'new' ? { api } : {}),
        status: task.status,
      };
    } catch (error) {
      // A Kling error that is not ambiguous means no create of this attempt made a task (it was refused, or never
      // sent); anything else (no answer, a 5xx, a store failure after the create) may have left one.
      const refused = error instanceof KlingError && !error.ambiguous;
      const progress: SubmitProgress = { createMayHaveLanded: mayExist || !refused };
      if (!context.info.isLocal) context.heartbeat(progress);
      // A refusal with no earlier create that may have landed: no task exists, so the next attempt (also the
      // normal activity after a local one, which has no heartbeat to read) creates without looking first. Should
      // this write fail, the next attempt only spends a lookup.
      if (!progress.createMayHaveLanded) await deps.store.forgetCreate(jobId).catch(() => undefined);
      throw asActivityFailure(error);
    }
  };
}

/** The new API takes `callback_url` under `options` (the client adds `external_task_id` there). */
function withOptions(create: NewApiCreate, callbackUrl: string | undefined): NewApiCreate {
  return callbackUrl === undefined
    ? create
    : { ...create, body: { ...create.body, options: { callback_url: callbackUrl } } };
}

/** Without details (a first retry after a crash, or a history from before them), assume the worst. */
function createMayHaveLanded(details: unknown): boolean {
  if (typeof details !== 'object' || details === null) return true;
  return (details as Partial<SubmitProgress>).createMayHaveLanded !== false;
}
