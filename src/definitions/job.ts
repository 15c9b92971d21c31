// The job's public contract: what an orchestrator starts, queries and gets back, and the wake-up the account's
// task sweep sends it. Outside src/workflows so the client, the activities and the receiver import it without
// importing workflow code; `define*` from @temporalio/workflow only builds plain `{ type, name }` objects, safe
// outside the workflow sandbox as well as inside it.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { BillLine, Quote } from '../domain/bill-line.js';
import type { KlingFamily } from '../domain/family.js';
import type { JobFailureType } from '../domain/job-failure.js';
import type { KlingBilling } from '../domain/kling-billing.js';
import type { InputType } from '../domain/terms.js';

/** The workflow type name orchestrators start. */
export const JOB_WORKFLOW = 'klingVideo';

/** Where a job is. The last five are final. `billing` is shown only by jobs started before the sweep (issue 15). */
export type JobPhase =
  | 'accepting'
  | 'queued'
  | 'submitting'
  | 'waiting'
  | 'billing'
  | 'succeeded'
  | 'failed'
  | 'timed_out'
  | 'cancelled'
  | 'rejected';

/** Kling's task statuses (kling-api.md). */
export type KlingStatus = 'submitted' | 'processing' | 'succeed' | 'failed';

export interface OutputVideo {
  readonly id: string;
  readonly url: string;
  /** As Kling reports it (e.g. "5.04"); informational, never billed. */
  readonly duration: string;
}

/** A failure a job ended with. */
export interface JobFailureInfo {
  readonly type: JobFailureType;
  readonly message: string;
}

/** Answer of the {@link jobStatusQuery}. */
export interface JobStatus {
  readonly jobId: string;
  readonly phase: JobPhase;
  readonly model: string | undefined;
  readonly family: KlingFamily | undefined;
  readonly inputType: InputType | undefined;
  readonly klingTaskId: string | undefined;
  /** The last status this workflow saw (`submitted` until the task ended, for jobs woken by the sweep). */
  readonly klingStatus: KlingStatus | undefined;
  readonly quote: Quote | undefined;
  readonly bill: BillLine | undefined;
  /** What Kling reported it charged for the task (its new API only): beside our bill, never our price. */
  readonly klingBilling: KlingBilling | undefined;
  readonly videos: readonly OutputVideo[];
  readonly failure: JobFailureInfo | undefined;
}

/** The result of a job that succeeded. Every other ending is a typed workflow failure. */
export interface JobResult {
  readonly jobId: string;
  readonly klingTaskId: string;
  readonly status: 'succeed';
  readonly videos: readonly OutputVideo[];
  readonly bill: BillLine;
  /** What Kling reported it charged (its new API only; absent otherwise, and in results from before it). */
  readonly klingBilling?: KlingBilling;
}

export const jobStatusQuery = defineQuery<JobStatus>('jobStatus');

/** Signalled to a job by the task sweep when Kling's list shows the job's own task ended. */
export interface TaskEnded {
  readonly taskId: string;
  readonly status: 'succeed' | 'failed';
}

/** A Kling task id is a short string (e.g. `866889456698785798`); anything longer is not one. */
export const MAX_TASK_ID_LENGTH = 128;

export const taskEndedSignal = defineSignal<[TaskEnded]>('taskEnded');
