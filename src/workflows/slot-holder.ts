// A job's side of the account slots: ask, wait for the grant (phase `queued`), give the slot back once.
import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { JobActivities, SlotPolicy } from '../activities/index.js';
import { releaseSlotSignal, slotGrantedSignal } from '../definitions/slots.js';

const { acquireSlot } = proxyActivities<JobActivities>({
  startToCloseTimeout: '30 seconds',
  // A job that cannot even ask for a slot for this long fails rather than wait unseen.
  scheduleToCloseTimeout: '30 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export interface AccountSlot {
  /** Resolves once the slots workflow has granted this job a slot; no time limit (a cancel ends the wait). */
  acquire(): Promise<void>;
  /** Gives the slot (or the place in the queue) back; idempotent, and runs even in a cancelled job. */
  release(): Promise<void>;
}

export function accountSlot(jobId: string, policy: SlotPolicy): AccountSlot {
  let granted = false;
  let requested = false;
  setHandler(slotGrantedSignal, () => {
    granted = true;
  });
  return {
    async acquire() {
      // Set first: a cancel during the request must still take the job off the queue.
      requested = true;
      await acquireSlot({ jobId, slots: policy });
      await condition(() => granted);
    },
    async release() {
      if (!requested) return;
      requested = false;
      await CancellationScope.nonCancellable(() =>
        getExternalWorkflowHandle(policy.workflowId)
          .signal(releaseSlotSignal, { jobId })
          // No slots workflow to tell (terminated by an operator): it holds nothing for this job any more.
          .catch(() => undefined),
      );
    },
  };
}
