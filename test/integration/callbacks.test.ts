// Kling callbacks end to end: simulator → receiver → a hint to the account's task sweep → the sweep reads the job's
// own task and wakes the job only if it ended → the job confirms with one query before it bills. The sweep's own
// interval here is 60 s and a job's own check a minute, far longer than any job in this file takes, so a job that
// finishes did so on a callback (and the history shows no check of its own ran).
import { readFile } from 'node:fs/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HINT_WINDOW_MS } from '../../src/callbacks/receiver.js';
import { callbackUrl } from '../../src/callbacks/token.js';
import type { SimulatedTask } from '../../src/kling/simulator/tasks.js';
import { toTaskData } from '../../src/kling/simulator/tasks.js';
import { jobStatusQuery } from '../../src/definitions/job.js';
import type { klingVideo } from '../../src/workflows/kling-video.js';
import { startJobPipeline, type JobPipeline } from '../callbacks/pipeline.js';

const payload = JSON.parse(
  await readFile(new URL('../../examples/kling-v2-6-text-audio.json', import.meta.url), 'utf8'),
) as unknown;

async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The job's history as kinds of event, in order. */
async function eventKinds(handle: WorkflowHandle<typeof klingVideo>): Promise<string[]> {
  const { events } = await handle.fetchHistory();
  return (events ?? []).map((event) =>
    event.workflowExecutionSignaledEventAttributes != null
      ? 'signaled'
      : event.timerFiredEventAttributes != null
        ? 'own check'
        : 'other',
  );
}

describe('a job with Kling callbacks on', () => {
  let p: JobPipeline;
  let checks = 0;
  /** The job ids of every sweep a callback hinted. */
  const hintedSweeps: string[][] = [];
  beforeAll(async () => {
    p = await startJobPipeline({
      fileTag: 'callbacks',
      callbacks: { pollIntervalMs: 60_000 },
      simulator: { submittedMs: 200, processingMs: 1_500 },
      activities: (real) => ({
        settleJob: (ref) => {
          checks++;
          return real.settleJob(ref);
        },
        sweepTasks: async (request) => {
          const report = await real.sweepTasks(request);
          if (request.jobIds !== undefined) hintedSweeps.push([...request.jobIds]);
          return report;
        },
      }),
    });
    await p.startWorker();
  });
  afterAll(async () => p?.close());

  const taskOf = (jobId: string): SimulatedTask | undefined =>
    p.simulator.tasks().find((task) => task.externalTaskId === jobId);

  it('ends on the callback: one confirming query, no check of its own, billed once; the URL is worker-owned', async () => {
    const before = checks;
    const handle = await p.startJob(payload);
    const result = await handle.result();
    expect(result.bill).toMatchObject({ costUsd: '0.60', amountCents: 60 });
    expect(checks - before).toBe(1);
    const kinds = await eventKinds(handle);
    expect(kinds.filter((kind) => kind === 'signaled')).toHaveLength(1);
    expect(kinds).not.toContain('own check');
    expect(hintedSweeps.flat()).toContain(handle.workflowId);
    const task = taskOf(handle.workflowId);
    expect(task?.callbackUrl).toBe(callbackUrl(p.receiver!.url, p.secret, handle.workflowId));
    expect(p.simulator.counters().callbacks.delivered).toBeGreaterThanOrEqual(3);
    // The persisted request (what billing prices) never carries it.
    expect(JSON.stringify((await p.store.getJob(handle.workflowId))?.envelope)).not.toContain('callback');
    expect(await p.store.getBillLine(handle.workflowId)).toEqual(result.bill);
  });

  it('a callback claiming succeed while Kling says processing bills nothing; the real success does', async () => {
    p.simulator.setFaults({ processingMs: 6_000 });
    try {
      const handle = await p.startJob(payload);
      const jobId = handle.workflowId;
      const processing = await eventually(
        () => (taskOf(jobId)?.status === 'processing' ? taskOf(jobId) : undefined),
        'the task to be processing',
      );
      const claim = { ...toTaskData(processing), task_status: 'succeed', task_result: { videos: [] } };
      const sweepsBefore = hintedSweeps.length;
      const response = await fetch(callbackUrl(p.receiver!.url, p.secret, jobId), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(claim),
      });
      expect(response.status).toBe(200);
      // The sweep took the hint and read the job's task: still processing, so the job never heard of it.
      await eventually(
        () => (hintedSweeps.slice(sweepsBefore).some((jobIds) => jobIds.includes(jobId)) ? true : undefined),
        'the hint to be checked',
      );
      expect(taskOf(jobId)?.status).toBe('processing');
      expect(await p.store.getBillLine(jobId)).toBeUndefined();
      expect((await handle.query(jobStatusQuery)).phase).toBe('waiting');
      expect(await eventKinds(handle)).not.toContain('signaled');

      const result = await handle.result();
      const succeededAt = taskOf(jobId)?.transitions.find((t) => t.status === 'succeed')?.at;
      expect(succeededAt).toBeDefined();
      expect(Date.parse(result.bill.createdAt)).toBeGreaterThanOrEqual(succeededAt!);
      expect((await eventKinds(handle)).filter((kind) => kind === 'signaled')).toHaveLength(1);
    } finally {
      p.simulator.setFaults({ processingMs: 1_500 });
    }
  });

  it('answers a callback for a finished job 200 and one for a job that never existed 404', async () => {
    const handle = await p.startJob(payload);
    await handle.result();
    const done = taskOf(handle.workflowId)!;
    const late = { ...toTaskData(done), updated_at: done.updatedAt + 1 };
    const url = callbackUrl(p.receiver!.url, p.secret, handle.workflowId);
    // Past the window of the genuine callback's hint, inside which a repeat is only coalesced.
    await new Promise((resolve) => setTimeout(resolve, HINT_WINDOW_MS + 100));
    const finished = await fetch(url, { method: 'POST', body: JSON.stringify(late) });
    expect(finished.status).toBe(200);
    expect(await finished.json()).toEqual({ result: 'finished' });
    const unknown = await fetch(callbackUrl(p.receiver!.url, p.secret, 'job-that-never-was'), {
      method: 'POST',
      body: JSON.stringify({ ...late, task_info: {} }),
    });
    expect(unknown.status).toBe(404);
  });
});
