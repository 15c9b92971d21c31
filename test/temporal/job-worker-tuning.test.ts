import type { CustomSlotSupplier, SlotPermit, WorkflowSlotInfo } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_CACHED_JOBS,
  jobWorkerOptions,
  QUEUE_SLOTS,
  SplitWorkflowSlots,
  STICKY_SLOTS,
} from '../../src/temporal/job-worker-tuning.js';

const reserveContext = (isSticky: boolean) => ({
  slotType: 'workflow' as const,
  taskQueue: 'q',
  workerIdentity: 'w',
  workerBuildId: '',
  isSticky,
});

function reserve(
  supplier: CustomSlotSupplier<WorkflowSlotInfo>,
  isSticky: boolean,
  signal = new AbortController().signal,
): { permit: Promise<SlotPermit>; granted: () => boolean } {
  let granted = false;
  const permit = supplier.reserveSlot(reserveContext(isSticky), signal).then((p) => {
    granted = true;
    return p;
  });
  return { permit, granted: () => granted };
}

const release = (supplier: CustomSlotSupplier<WorkflowSlotInfo>, permit: SlotPermit) => {
  supplier.releaseSlot({
    permit,
    slotInfo: { type: 'workflow', workflowType: 'klingVideo', isSticky: false },
  });
};

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the job worker’s workflow-task slots', () => {
  it('keeps slots for sticky polls that new jobs from the task queue cannot take', async () => {
    const slots = new SplitWorkflowSlots({ sticky: 2, queue: 1 });
    const supplier = slots.supplier();
    const firstNew = await reserve(supplier, false).permit;
    // The task queue's one slot is taken: a second new job waits…
    const secondNew = reserve(supplier, false);
    // …while woken jobs (sticky polls) still get both of theirs at once.
    const woken = [reserve(supplier, true), reserve(supplier, true)];
    await settle();
    expect(woken.map((r) => r.granted())).toStrictEqual([true, true]);
    expect(secondNew.granted()).toBe(false);
    expect(slots.used).toStrictEqual({ sticky: 2, queue: 1 });
    // A third sticky poll waits for a sticky slot, not for the task queue's.
    const thirdWoken = reserve(supplier, true);
    release(supplier, firstNew);
    await settle();
    expect(secondNew.granted()).toBe(true);
    expect(thirdWoken.granted()).toBe(false);
    release(supplier, await woken[0]!.permit);
    await settle();
    expect(thirdWoken.granted()).toBe(true);
    expect(slots.used).toStrictEqual({ sticky: 2, queue: 1 });
  });

  it('hands a released slot to the next waiter, and frees it when nobody waits', async () => {
    const slots = new SplitWorkflowSlots({ sticky: 1, queue: 1 });
    const supplier = slots.supplier();
    const held = await reserve(supplier, true).permit;
    const next = reserve(supplier, true);
    release(supplier, held);
    release(supplier, await next.permit);
    expect(slots.used).toStrictEqual({ sticky: 0, queue: 0 });
  });

  it('rejects an aborted reservation with the signal’s reason and forgets it', async () => {
    const slots = new SplitWorkflowSlots({ sticky: 1, queue: 1 });
    const supplier = slots.supplier();
    const held = await reserve(supplier, false).permit;
    const abort = new AbortController();
    const waiting = supplier.reserveSlot(reserveContext(false), abort.signal);
    abort.abort(new Error('poller stopped'));
    await expect(waiting).rejects.toBe(abort.signal.reason);
    // The aborted waiter does not swallow the slot released after it.
    release(supplier, held);
    expect(slots.used).toStrictEqual({ sticky: 0, queue: 0 });
  });

  it('takes an eager task only when its pool has room, without waiting', () => {
    const supplier = new SplitWorkflowSlots({ sticky: 1, queue: 1 }).supplier();
    expect(supplier.tryReserveSlot(reserveContext(false))).not.toBeNull();
    expect(supplier.tryReserveSlot(reserveContext(false))).toBeNull();
    expect(supplier.tryReserveSlot(reserveContext(true))).not.toBeNull();
  });

  it('keeps every job of a burst in memory, and never fewer than the slots', () => {
    expect(jobWorkerOptions().maxCachedWorkflows).toBe(DEFAULT_MAX_CACHED_JOBS);
    expect(jobWorkerOptions().stickyQueueScheduleToStartTimeout).toBe(60_000);
    expect(jobWorkerOptions({ maxCachedJobs: 3 }).maxCachedWorkflows).toBe(STICKY_SLOTS + QUEUE_SLOTS);
    expect(jobWorkerOptions({ activitySlots: 7 }).tuner).toMatchObject({
      activityTaskSlotSupplier: { type: 'fixed-size', numSlots: 7 },
      workflowTaskSlotSupplier: { type: 'custom' },
    });
  });
});
