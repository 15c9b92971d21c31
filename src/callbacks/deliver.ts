// A valid terminal callback becomes a hint to the account's task sweep, which reads the job's own task from Kling
// and wakes the job only if it ended: a callback never signals a job, so made-up ones cannot reach its history.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { hintTaskSweep } from '../temporal/task-sweep.js';

/** `finished`: the job already ended (the usual fate of a late or repeated callback); `unknown`: no such job. */
export type Delivery = 'delivered' | 'finished' | 'unknown';

export type DeliverHint = (jobId: string) => Promise<Delivery>;

export function hintSweeps(client: Client): DeliverHint {
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
    await hintTaskSweep(client, description.taskQueue, jobId);
    return 'delivered';
  };
}
