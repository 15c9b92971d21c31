// A valid terminal callback becomes a hint to the account's task sweep, which reads the job's own task from Kling
// and wakes the job only if it ended: a callback never signals a job, so made-up ones cannot reach its history.
// Hints travel in batches, one signal for the callbacks of a moment (./hint-batches.ts).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { MAX_HINTS_PER_SIGNAL } from '../definitions/sweep.js';
import { hintTaskSweep } from '../temporal/task-sweep.js';
import { HintBatches } from './hint-batches.js';

/**
 * How long a hint waits for others to share its signal. Short beside the sweep's own spacing of hinted looks
 * (250 ms) and beside how long Kling waits for a callback's answer.
 */
export const HINT_BATCH_MS = 100;

/** `finished`: the job already ended (the usual fate of a late or repeated callback); `unknown`: no such job. */
export type Delivery = 'delivered' | 'finished' | 'unknown';

export type DeliverHint = (jobId: string) => Promise<Delivery>;

export function hintSweeps(client: Client): DeliverHint {
  const batches = new HintBatches({
    windowMs: HINT_BATCH_MS,
    maxJobs: MAX_HINTS_PER_SIGNAL,
    send: (taskQueue, jobIds) => hintTaskSweep(client, taskQueue, jobIds),
  });
  return async (jobId) => {
    let description;
    try {
      description = await client.workflow.getHandle(jobId).describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return 'unknown';
      throw error;
    }
    if (description.status.name !== 'RUNNING') return 'finished';
    // The job's own queue names its account's sweep, whatever queue this receiver's process serves.
    await batches.add(description.taskQueue, jobId);
    return 'delivered';
  };
}
