// The account-slots contract: jobs (through the acquireSlot activity) ask for a slot, the slots workflow grants
// it with a signal to the job, the job gives it back when its Kling task ends. Imported by the workflows and by
// the activities that reach the slots workflow through a Temporal client.
import { defineQuery, defineSignal } from '@temporalio/workflow';

export const ACCOUNT_SLOTS_WORKFLOW = 'accountSlots';

export interface SlotRequest {
  readonly jobId: string;
  /** The requesting worker's `KLING_MAX_CONCURRENT_TASKS`; the latest request's value is in force. */
  readonly limit: number;
}

/** The slots workflow's whole state: its argument, carried across continue-as-new, and its query answer. */
export interface SlotsState {
  readonly limit: number;
  /** Jobs holding a slot (their Kling task may be in flight). */
  readonly holders: readonly string[];
  /** Jobs waiting, first come first served. */
  readonly waiting: readonly string[];
}

export const acquireSlotSignal = defineSignal<[SlotRequest]>('acquireSlot');
export const releaseSlotSignal = defineSignal<[{ readonly jobId: string }]>('releaseSlot');
/** Sent to a job: it may submit now. */
export const slotGrantedSignal = defineSignal('slotGranted');
export const slotsQuery = defineQuery<SlotsState>('slots');
