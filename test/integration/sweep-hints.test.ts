// The task sweep's hint signal is an input: the receiver sends it, and so can anyone who can signal workflows in the
// namespace. The sweep takes a list of at most MAX_HINTS_PER_SIGNAL job ids of at most MAX_JOB_ID_LENGTH characters
// and ignores anything else, whole; a valid hint still has the job's task read and the job woken at once. Here the
// sweep's own round and the job's own check are ten minutes away: only a hint can end the job within the test.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobStatusQuery } from '../../src/definitions/job.js';
import {
  MAX_HINTS_PER_SIGNAL,
  MAX_JOB_ID_LENGTH,
  taskHintsSignal,
  taskSweepWorkflowId,
  type TaskHints,
} from '../../src/definitions/sweep.js';
import { eventually } from '../support/eventually.js';
import { startPipeline, type Pipeline } from '../support/pipeline.js';

const payload = { model_name: 'kling-v2-6', prompt: 'A paper boat in the rain', duration: 5, mode: 'std' };

describe('hints to the task sweep', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({
      fileTag: 'sweep-hints',
      pollIntervalMs: 600_000,
      fallbackCheckMs: 600_000,
      simulator: { submittedMs: 0, processingMs: 300 },
    });
    await p.startWorker();
  });
  afterAll(async () => p?.close());

  it('ignores malformed and oversized hint lists, and wakes the job on a valid one', async () => {
    const handle = await p.startJob(payload);
    const jobId = handle.workflowId;
    await eventually(
      () => p.simulator.tasks().find((task) => task.externalTaskId === jobId && task.status === 'succeed'),
      'the task to succeed',
    );
    const sweep = p.temporal.client.workflow.getHandle(taskSweepWorkflowId(p.temporal.taskQueue));
    const malformed: unknown[] = [
      {},
      { jobIds: jobId },
      { jobIds: [42, null, { jobId }] },
      // One id over the most, every one of them the job's: the whole list is ignored, not its first hundred.
      { jobIds: Array<string>(MAX_HINTS_PER_SIGNAL + 1).fill(jobId) },
      { jobIds: ['x'.repeat(MAX_JOB_ID_LENGTH + 1)] },
    ];
    for (const signal of malformed) await sweep.signal(taskHintsSignal, signal as TaskHints);
    // Hinted sweeps run within a second of a hint (250 ms apart); three seconds later the job still waits.
    await sleep(3_000);
    expect((await handle.query(jobStatusQuery)).phase).toBe('waiting');

    await sweep.signal(taskHintsSignal, { jobIds: ['job-nobody-knows', jobId] });
    expect((await handle.result()).status).toBe('succeed');
  });
});
