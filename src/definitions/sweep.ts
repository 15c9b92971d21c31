// The task-sweep contract: one sweep workflow per Kling account (task queue) reads the status of every waiting task
// in batches and wakes the jobs whose task ended; Kling callbacks only ask it to look at their jobs soon. Imported by
// the workflows, the worker (which keeps the sweep running) and the callback receiver.
import { defineQuery, defineSignal } from '@temporalio/workflow';

export const TASK_SWEEP_WORKFLOW = 'taskSweep';

/** One sweep per task queue: the workers of one queue share one Kling account. */
export function taskSweepWorkflowId(taskQueue: string): string {
  return `kling-task-sweep/${taskQueue}`;
}

/** A callback said this job's task may have ended: only the job id, so nothing a caller wrote reaches history. */
export interface TaskHint {
  readonly jobId: string;
}

/** Job ids longer than this are not ours (they are HMAC-keyed in callback URLs; see src/callbacks/token.ts). */
export const MAX_JOB_ID_LENGTH = 256;

/** The sweep workflow's argument, carried across continue-as-new. */
export interface SweepState {
  /** Jobs hinted and not yet looked at. */
  readonly hinted: readonly string[];
  /** Workflow time (Unix ms) of the next sweep of every waiting task; absent = now. */
  readonly nextFullAt?: number;
  /** The interval the workers reported last (their KLING_POLL_INTERVAL_SECONDS). */
  readonly intervalMs?: number;
  /** Jobs whose task Kling last reported `processing`. */
  readonly processing?: readonly string[];
}

/** Callbacks said these jobs' tasks may have ended: job ids only, gathered by the receiver (src/callbacks). */
export interface TaskHints {
  readonly jobIds: readonly string[];
}

/** Job ids one hint signal carries at most; the sweep ignores a longer list (nothing of ours sends one). */
export const MAX_HINTS_PER_SIGNAL = 100;

/** A batch of hints: how receivers hint the sweep. */
export const taskHintsSignal = defineSignal<[TaskHints]>('taskHints');
/**
 * One hint a signal: how receivers hinted the sweep before they sent batches. Still handled, so a receiver of an
 * earlier release keeps working while a deployment rolls.
 */
export const taskHintSignal = defineSignal<[TaskHint]>('taskHint');
/**
 * Kling's status of a waiting job's task as the sweep last read it, when it moved past `submitted`: a job's
 * progress, shown without a signal (and history) per status change.
 */
export const taskStatusQuery = defineQuery<'processing' | undefined, [string]>('taskStatus');
