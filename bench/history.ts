// What the run left in Temporal: each job's history (length, encoded size, workflow tasks, start and close
// times), and the histories of the other workflows on the job's task queue — a design's shared workflows, such
// as a status sweep and the runs it continued as new — whose cost the jobs share.
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time.js';
// The SDK's own protobuf classes (pinned by @temporalio/client), to measure the history as the server sends it.
// A CommonJS module whose names Node cannot see statically: imported whole.
import proto, { type temporal as protoTypes } from '@temporalio/proto';
import { mapLimited } from './map-limited.js';

const { temporal } = proto;
const { EventType } = temporal.api.enums.v1;
type History = protoTypes.api.history.v1.IHistory;
type HistoryEvent = protoTypes.api.history.v1.IHistoryEvent;

export interface HistoryCounts {
  readonly events: number;
  /** Protobuf-encoded size of the whole history, bytes. */
  readonly bytes: number;
  /**
   * Workflow tasks the worker completed: `WorkflowTaskCompleted` events. Each is one round of workflow code on
   * the worker and one task dispatched and recorded by the server, whatever it decided.
   */
  readonly workflowTasks: number;
  /** Workflow tasks that failed or timed out (`WorkflowTaskFailed`, `WorkflowTaskTimedOut`): work done again. */
  readonly workflowTaskFailures: number;
}

export interface JobHistory extends HistoryCounts {
  readonly jobId: string;
  readonly startedAt: number;
  /** The time of the closing event, i.e. the workflow's close time; `undefined` while it runs. */
  readonly closedAt: number | undefined;
  readonly completed: boolean;
}

/** One run of a workflow on the task queue that is not a job. */
export interface SharedHistory extends HistoryCounts {
  readonly workflowId: string;
  readonly runId: string;
  readonly workflowType: string;
  readonly running: boolean;
}

const closing = new Set<number>([
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
]);
const completedTask = new Set<number>([EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED]);
const failedTask = new Set<number>([
  EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
]);

export function countHistory(history: History): HistoryCounts {
  const events: readonly HistoryEvent[] = history.events ?? [];
  const of = (types: ReadonlySet<number>): number =>
    events.filter((event) => event.eventType != null && types.has(event.eventType)).length;
  return {
    events: events.length,
    bytes: temporal.api.history.v1.History.encode(history).finish().length,
    workflowTasks: of(completedTask),
    workflowTaskFailures: of(failedTask),
  };
}

export async function readJobHistory(client: Client, jobId: string): Promise<JobHistory> {
  const history = await client.workflow.getHandle(jobId).fetchHistory();
  const events = history.events ?? [];
  const first = events[0];
  const last = events[events.length - 1];
  if (first === undefined || last === undefined) throw new Error(`job ${jobId} has an empty history`);
  const closed = last.eventType != null && closing.has(last.eventType);
  return {
    jobId,
    ...countHistory(history),
    startedAt: tsToMs(first.eventTime),
    closedAt: closed ? tsToMs(last.eventTime) : undefined,
    completed: last.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  };
}

const SHARED_PARALLELISM = 4;

/** Every run on the task queue whose workflow type is not the jobs', with its history so far. */
export async function readSharedHistories(
  client: Client,
  taskQueue: string,
  jobWorkflowType: string,
): Promise<SharedHistory[]> {
  const runs: { workflowId: string; runId: string; type: string; running: boolean }[] = [];
  const query = `TaskQueue = "${taskQueue}" AND WorkflowType != "${jobWorkflowType}"`;
  for await (const execution of client.workflow.list({ query })) {
    runs.push({
      workflowId: execution.workflowId,
      runId: execution.runId,
      type: execution.type,
      running: execution.status.name === 'RUNNING',
    });
  }
  return mapLimited(runs, SHARED_PARALLELISM, async (run) => ({
    workflowId: run.workflowId,
    runId: run.runId,
    workflowType: run.type,
    running: run.running,
    ...countHistory(await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory()),
  }));
}
