// What callbacks told an account's task sweep, read from its history: the hinted job ids, in order, from both hint
// signals (batches, and one hint a signal as receivers sent them before batches).
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import {
  taskHintSignal,
  taskHintsSignal,
  type TaskHint,
  type TaskHints,
} from '../../src/definitions/sweep.js';

export async function hintedJobIds(sweep: WorkflowHandle): Promise<string[]> {
  const { events } = await sweep.fetchHistory();
  return (events ?? []).flatMap((event) => {
    const signal = event.workflowExecutionSignaledEventAttributes;
    const [payload] = signal?.input?.payloads ?? [];
    if (signal == null || payload == null) return [];
    if (signal.signalName === taskHintsSignal.name)
      return [...defaultPayloadConverter.fromPayload<TaskHints>(payload).jobIds];
    if (signal.signalName === taskHintSignal.name)
      return [defaultPayloadConverter.fromPayload<TaskHint>(payload).jobId];
    return [];
  });
}
