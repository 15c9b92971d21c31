// A valid callback becomes a signal to the job's workflow (workflow id = job id).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { klingCallbackSignal, type TaskHint } from '../workflows/callback-hints.js';

/** `finished`: the job already ended (the usual fate of a late or repeated callback); `unknown`: no such job. */
export type Delivery = 'delivered' | 'finished' | 'unknown';

export type DeliverHint = (jobId: string, hint: TaskHint) => Promise<Delivery>;

export function signalJobs(client: Client): DeliverHint {
  return async (jobId, hint) => {
    const handle = client.workflow.getHandle(jobId);
    try {
      await handle.signal(klingCallbackSignal, hint);
      return 'delivered';
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
    // The server answers "not found" for a closed run too; describe tells the two apart.
    try {
      await handle.describe();
      return 'finished';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return 'unknown';
      throw error;
    }
  };
}
