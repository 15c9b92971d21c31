// The job's public contract: what an orchestrator starts, queries and gets back. Imported by the workflow and
// (as definitions and types only) by the client.
import { defineQuery } from '@temporalio/workflow';
import type { BillLine, Quote } from '../domain/bill-line.js';
import type { KlingFamily } from '../domain/family.js';
import type { JobFailureType } from '../domain/job-failure.js';
import type { KlingBilling } from '../domain/kling-billing.js';
import type { InputType } from '../domain/terms.js';

/** The workflow type name orchestrators start. */
export const JOB_WORKFLOW = 'klingVideo';

/** Where a job is. The last five are final. */
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
  /** The last status this workflow saw; between polls the pending poll activity knows more. */
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
