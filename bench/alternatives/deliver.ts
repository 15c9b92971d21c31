// src/callbacks/deliver.ts as it was before issue 15, frozen for the `callbacks` design: a valid callback (checked
// by production's receiver, src/callbacks/receiver.ts) becomes the frozen `klingCallback` signal to the job.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { DeliverHint } from '../../src/callbacks/deliver.js';
import { klingCallbackSignal } from './callback-hints.js';

export function signalRetryPollJobs(client: Client): DeliverHint {
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
