// Helpers for orchestrators: start a job, follow it, wait for it, list jobs. Typed from the workflow's own
// contract (src/workflows/definitions.ts); nothing here needs a worker except the live status query.
import { randomUUID } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { InvalidRequestError } from './domain/envelope.js';
import { jobIdProblem, payloadLimitIssues } from './domain/input-limits.js';
import { klingModelKey, klingTaskIdKey } from './temporal/search-attributes.js';
import {
  JOB_WORKFLOW,
  jobStatusQuery,
  type JobResult,
  type JobStatus,
  type KlingStatus,
} from './workflows/definitions.js';
import type { klingVideo } from './workflows/kling-video.js';

/** Temporal's view of the workflow run behind a job. */
export type RunStatus =
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'TERMINATED'
  | 'TIMED_OUT'
  | 'CONTINUED_AS_NEW'
  | 'UNKNOWN'
  | 'UNSPECIFIED'
  | 'PAUSED';

export interface JobView {
  readonly jobId: string;
  readonly run: RunStatus;
  readonly startedAt: Date;
  readonly closedAt: Date | undefined;
  /** The workflow's own account of the job; `undefined` when no worker could answer the query. */
  readonly status: JobStatus | undefined;
  /** Kling's latest status, as last seen by the poll (fresher than `status.klingStatus` while waiting). */
  readonly klingStatus: KlingStatus | undefined;
}

export interface JobSummary {
  readonly jobId: string;
  readonly run: RunStatus;
  readonly model: string | undefined;
  readonly klingTaskId: string | undefined;
  readonly startedAt: Date;
  readonly closedAt: Date | undefined;
}

/** A job that ended without a result: Kling failure, rejection, timeout, cancellation. */
export class JobFailedError extends Error {
  override readonly name = 'JobFailedError';
  constructor(
    readonly jobId: string,
    /** The typed failure (`InvalidRequest`, `KlingTaskFailed`, `JobTimedOut`, …) or the run's end state. */
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** The job id names a job that already ended; a job id runs once. */
export class JobAlreadyFinishedError extends Error {
  override readonly name = 'JobAlreadyFinishedError';
  constructor(readonly jobId: string) {
    super(`Job ${jobId} already ran; a job id runs once. Read it with getJob, or start a new job id.`);
  }
}

export class JobNotFoundError extends Error {
  override readonly name = 'JobNotFoundError';
  constructor(readonly jobId: string) {
    super(`No job ${jobId}.`);
  }
}

export interface StartedJob {
  readonly jobId: string;
  /** False when the job id was already running and that job was returned instead of a second one. */
  readonly started: boolean;
}

export interface JobsClient {
  /**
   * Throws `InvalidRequestError` before anything starts for a job id outside the rule or a payload that no model
   * could take (control characters, nesting, a malformed model name); the worker checks the model's own rules.
   */
  startJob(payload: unknown, options?: { jobId?: string }): Promise<StartedJob>;
  getJob(jobId: string): Promise<JobView>;
  waitForJob(jobId: string): Promise<JobResult>;
  listJobs(options?: { limit?: number; model?: string }): Promise<JobSummary[]>;
}

export function createJobsClient(client: Client, taskQueue: string): JobsClient {
  const handleOf = (jobId: string) => client.workflow.getHandle<typeof klingVideo>(jobId);

  async function describe(jobId: string): Promise<WorkflowExecutionDescription> {
    try {
      return await handleOf(jobId).describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new JobNotFoundError(jobId);
      throw error;
    }
  }

  return {
    async startJob(payload, { jobId = `job-${randomUUID()}` } = {}) {
      const jobIdIssue = jobIdProblem(jobId);
      const issues = [
        ...(jobIdIssue === undefined ? [] : [{ path: 'jobId', message: jobIdIssue }]),
        ...payloadLimitIssues(payload),
      ];
      if (issues.length > 0) throw new InvalidRequestError(issues);
      const existing = await handleOf(jobId)
        .describe()
        .catch((error: unknown) => {
          if (error instanceof WorkflowNotFoundError) return undefined;
          throw error;
        });
      if (existing?.status.name === 'RUNNING') return { jobId, started: false };
      if (existing !== undefined) throw new JobAlreadyFinishedError(jobId);
      try {
        await client.workflow.start<typeof klingVideo>(JOB_WORKFLOW, {
          taskQueue,
          workflowId: jobId,
          args: [payload],
          // Two starts racing for one id get one job; an ended job is never run again (it may be billed).
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
        return { jobId, started: true };
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) throw new JobAlreadyFinishedError(jobId);
        throw error;
      }
    },

    async getJob(jobId) {
      const description = await describe(jobId);
      const status = await handleOf(jobId)
        .query(jobStatusQuery)
        .catch(() => undefined);
      return {
        jobId,
        run: description.status.name,
        startedAt: description.startTime,
        closedAt: description.closeTime,
        status,
        klingStatus: pollStatus(description) ?? status?.klingStatus,
      };
    },

    async waitForJob(jobId) {
      await describe(jobId);
      try {
        return await handleOf(jobId).result();
      } catch (error) {
        if (error instanceof WorkflowFailedError) {
          const cause = error.cause;
          if (cause instanceof ApplicationFailure)
            throw new JobFailedError(jobId, cause.type ?? 'Failed', cause.message);
          throw new JobFailedError(jobId, cause?.name ?? 'Failed', cause?.message ?? error.message);
        }
        throw error;
      }
    },

    async listJobs({ limit = 20, model } = {}) {
      const query = [
        `WorkflowType = '${JOB_WORKFLOW}'`,
        model === undefined ? '' : `KlingModel = '${model.replaceAll("'", '')}'`,
      ]
        .filter((clause) => clause !== '')
        .join(' AND ');
      const jobs: JobSummary[] = [];
      for await (const execution of client.workflow.list({ query, pageSize: limit })) {
        jobs.push({
          jobId: execution.workflowId,
          run: execution.status.name,
          model: execution.typedSearchAttributes.get(klingModelKey),
          klingTaskId: execution.typedSearchAttributes.get(klingTaskIdKey),
          startedAt: execution.startTime,
          closedAt: execution.closeTime,
        });
        if (jobs.length >= limit) break;
      }
      return jobs;
    },
  };
}

/** The status the poll activity last reported in its (benign) "not ready" failure details. */
function pollStatus(description: WorkflowExecutionDescription): KlingStatus | undefined {
  for (const activity of description.raw.pendingActivities ?? []) {
    const payload = activity.lastFailure?.applicationFailureInfo?.details?.payloads?.[0];
    if (payload == null) continue;
    const details = defaultPayloadConverter.fromPayload<{ status?: KlingStatus }>(payload);
    if (details?.status !== undefined) return details.status;
  }
  return undefined;
}
