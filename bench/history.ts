// What one finished job left in Temporal: its history's length, encoded size, start and close times.
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time.js';
// The SDK's own protobuf classes (pinned by @temporalio/client), to measure the history as the server sends it.
// A CommonJS module whose names Node cannot see statically: imported whole.
import proto from '@temporalio/proto';

const { temporal } = proto;
const { EventType } = temporal.api.enums.v1;

export interface JobHistory {
  readonly jobId: string;
  readonly events: number;
  /** Protobuf-encoded size of the whole history, bytes. */
  readonly bytes: number;
  readonly startedAt: number;
  /** The time of the closing event, i.e. the workflow's close time; `undefined` while it runs. */
  readonly closedAt: number | undefined;
  readonly completed: boolean;
}

const closing = new Set<number>([
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
]);

export async function readJobHistory(client: Client, jobId: string): Promise<JobHistory> {
  const history = await client.workflow.getHandle(jobId).fetchHistory();
  const events = history.events ?? [];
  const first = events[0];
  const last = events[events.length - 1];
  if (first === undefined || last === undefined) throw new Error(`job ${jobId} has an empty history`);
  const closed = last.eventType != null && closing.has(last.eventType);
  return {
    jobId,
    events: events.length,
    bytes: temporal.api.history.v1.History.encode(history).finish().length,
    startedAt: tsToMs(first.eventTime),
    closedAt: closed ? tsToMs(last.eventTime) : undefined,
    completed: last.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  };
}
