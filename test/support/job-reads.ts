// What a test reads back after jobs ran: the simulator's request counts, a job's local activities, a task sweep's
// reports — each from the real record (the simulator's counters, the workflow histories), never from the code.
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { SweepReport } from '../../src/activities/sweep.js';
import type { Pipeline } from './pipeline.js';

/** Requests the simulator answered on one route, whatever the answer. */
export function requests(pipeline: Pipeline, route: string): number {
  return Object.values(pipeline.simulator.counters().requests[route] ?? {}).reduce((sum, n) => sum + n, 0);
}

/** The local activities a workflow ran, in order, each with its attempt and result (from the history's markers). */
export async function localActivities(
  handle: WorkflowHandle,
): Promise<{ readonly type: string; readonly attempt: number; readonly result: unknown }[]> {
  const { events } = await handle.fetchHistory();
  return (events ?? []).flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_local_activity') return [];
    const [data] = marker.details?.['data']?.payloads ?? [];
    const [result] = marker.details?.['result']?.payloads ?? [];
    const { activity_type: type, attempt } = defaultPayloadConverter.fromPayload<{
      activity_type: string;
      attempt: number;
    }>(data!);
    return [
      {
        type,
        attempt,
        result: result === undefined ? undefined : defaultPayloadConverter.fromPayload(result),
      },
    ];
  });
}

/** The reports of the sweeps a sweep run made: its activities' results. */
export async function sweepReports(handle: WorkflowHandle): Promise<SweepReport[]> {
  const { events } = await handle.fetchHistory();
  return (events ?? []).flatMap((event) => {
    const [result] = event.activityTaskCompletedEventAttributes?.result?.payloads ?? [];
    return result === undefined ? [] : [defaultPayloadConverter.fromPayload<SweepReport>(result)];
  });
}
