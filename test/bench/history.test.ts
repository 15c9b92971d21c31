import proto from '@temporalio/proto';
import { describe, expect, test } from 'vitest';
import { countHistory } from '../../bench/history.js';

const { temporal } = proto;
const { EventType } = temporal.api.enums.v1;

describe('countHistory', () => {
  test('workflow tasks are the completed ones; failed and timed-out ones are counted apart', () => {
    const types = [
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      EventType.EVENT_TYPE_MARKER_RECORDED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    ];
    const history = temporal.api.history.v1.History.create({
      events: types.map((eventType) => ({ eventType })),
    });
    const counts = countHistory(history);
    expect(counts).toMatchObject({ events: 16, workflowTasks: 2, workflowTaskFailures: 2 });
    expect(counts.bytes).toBe(temporal.api.history.v1.History.encode(history).finish().length);
    expect(counts.bytes).toBeGreaterThan(16);
  });

  test('an empty history', () => {
    expect(countHistory({})).toEqual({ events: 0, bytes: 0, workflowTasks: 0, workflowTaskFailures: 0 });
  });
});
