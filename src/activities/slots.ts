// The activities behind the account slots: a job's request (signal-with-start, so the first job of an account
// starts the slots workflow) and the slots workflow's check for holders that died without giving their slot back.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ACCOUNT_SLOTS_WORKFLOW, acquireSlotSignal, type SlotsState } from '../definitions/slots.js';
import type { ActivityDeps, SlotPolicy } from './deps.js';

/** Queues the job for a slot; the grant arrives later as a signal to the job. Repeating it is harmless. */
export function acquireSlot(deps: ActivityDeps) {
  return async ({ jobId, slots }: { jobId: string; slots: SlotPolicy }): Promise<void> => {
    const initial: SlotsState = { limit: slots.limit, holders: [], waiting: [] };
    await deps.temporal.workflow.signalWithStart(ACCOUNT_SLOTS_WORKFLOW, {
      workflowId: slots.workflowId,
      taskQueue: Context.current().info.taskQueue,
      args: [initial],
      signal: acquireSlotSignal,
      signalArgs: [{ jobId, limit: slots.limit }],
    });
  };
}

/** Of these jobs, the ones whose workflow is no longer running (or never existed). */
export function findEndedJobs(deps: ActivityDeps) {
  return async ({ jobIds }: { jobIds: readonly string[] }): Promise<string[]> => {
    const client = deps.temporal;
    const ended = await Promise.all(
      jobIds.map(async (jobId) => {
        try {
          const { status } = await client.workflow.getHandle(jobId).describe();
          return status.name === 'RUNNING' ? undefined : jobId;
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) return jobId;
          throw error;
        }
      }),
    );
    return ended.filter((jobId): jobId is string => jobId !== undefined);
  };
}
