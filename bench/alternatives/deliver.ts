// src/callbacks/deliver.ts as it was before issue 15, frozen for the `callbacks` design: a valid callback (checked
// by the frozen receiver, receiver.ts) becomes the frozen `klingCallback` signal to the job.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Delivery } from '../../src/callbacks/deliver.js';
import { klingCallbackSignal, type TaskHint } from './callback-hints.js';

export type DeliverTaskHint = (jobId: string, hint: TaskHint) => Promise<Delivery>;

export function signalRetryPollJobs(client: Client): DeliverTaskHint {
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
