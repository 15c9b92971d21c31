// A job the task sweep woke settles on how its task ended as the sweep read it from Kling (src/domain/task-ending.ts):
// the sweep's list pages are then the account's only status reads. Under the stricter reading of Kling's list
// (entries without `task_result` and `task_status_msg`, the simulator's `listResults: false`), the same jobs confirm
// with one query each and are billed the same. Real dev server, real worker and store, the simulator over HTTP.
import { readFile } from 'node:fs/promises';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskSweepWorkflowId } from '../../src/definitions/sweep.js';
import { startPipeline, type Pipeline } from '../support/pipeline.js';
import { localActivities, requests, sweepReports } from '../support/job-reads.js';

const N = 6;
const LIST = 'GET /v1/videos/text2video';
const QUERY = 'GET /v1/videos/text2video/{id}';

async function payload(): Promise<unknown> {
  return JSON.parse(
    await readFile(new URL('../../examples/kling-v2-6-text-audio.json', import.meta.url), 'utf8'),
  ) as unknown;
}

/** N jobs at once, the first of them failing at Kling; what they cost in status reads, and what they settled. */
async function runJobs(p: Pipeline) {
  p.simulator.setFaults({ failTasks: 1, failureMessage: 'Content moderation: rejected (simulated)' });
  const handles = [];
  for (let i = 0; i < N; i++) handles.push(await p.startJob(await payload()));
  const outcomes = await Promise.all(
    handles.map(async (handle) => handle.result().catch((error: unknown) => error)),
  );
  const sweeps = await sweepReports(
    p.temporal.client.workflow.getHandle(taskSweepWorkflowId(p.temporal.taskQueue)),
  );
  const settles = (await Promise.all(handles.map(localActivities)))
    .flat()
    .filter(({ type }) => type === 'settleJob');
  const jobs = await Promise.all(handles.map(async (handle) => p.store.getJob(handle.workflowId)));
  // Creates race, so which job's task failed is read from the outcomes: exactly one.
  const failedAt = outcomes.flatMap((outcome, i) => (outcome instanceof WorkflowFailedError ? [i] : []));
  expect(failedAt).toHaveLength(1);
  const [at] = failedAt as [number];
  return {
    failed: { outcome: outcomes[at] as WorkflowFailedError, job: jobs[at] },
    succeeded: outcomes.flatMap((outcome, i) =>
      i === at ? [] : [{ result: outcome as { videos: unknown }, job: jobs[i] }],
    ),
    jobs,
    settles: settles.length,
    sweepRequests: sweeps.reduce((sum, sweep) => sum + sweep.requests, 0),
    statusReads: requests(p, LIST) + requests(p, QUERY),
  };
}

function pipelineWith(listResults: boolean, fileTag: string): () => Pipeline {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({
      fileTag,
      pollIntervalMs: 300,
      simulator: { submittedMs: 300, processingMs: 1_500, concurrencyLimit: 2 * N, listResults },
    });
    await p.startWorker();
  });
  afterAll(async () => p?.close());
  return () => p;
}

describe('list entries carry the result (kling-api.md: a list entry is the query data)', () => {
  const pipeline = pipelineWith(true, 'sweep-endings');

  it(`${N} jobs settle on the sweep's reading: its requests are every status read; billed, failed, recorded`, async () => {
    const run = await runJobs(pipeline());
    expect(run.failed.outcome.cause?.message).toContain('Content moderation: rejected (simulated)');
    for (const { result } of run.succeeded)
      expect(result).toMatchObject({ status: 'succeed', bill: { costUsd: '0.60' } });
    // One settle a job (each woken once by the sweep), and not one status read besides the sweep's.
    expect(run.settles).toBe(N);
    expect(run.statusReads).toBe(run.sweepRequests);
    expect(run.failed.job).toMatchObject({
      status: 'failed',
      klingEnding: { status: 'failed', statusMessage: 'Content moderation: rejected (simulated)' },
    });
    for (const { result, job } of run.succeeded) {
      expect(job?.klingEnding).toMatchObject({ taskId: job?.klingTaskId, status: 'succeed' });
      expect(job?.outputs).toStrictEqual(job?.klingEnding?.videos);
      expect(job?.outputs).toStrictEqual(result.videos);
    }
  }, 60_000);
});

describe('list entries without the result (the stricter reading: knob listResults false)', () => {
  const pipeline = pipelineWith(false, 'sweep-endings-bare');

  it(`${N} jobs each confirm with one query of their own, and are billed and failed the same`, async () => {
    const run = await runJobs(pipeline());
    expect(run.failed.outcome.cause?.message).toContain('Content moderation: rejected (simulated)');
    for (const { result } of run.succeeded)
      expect(result).toMatchObject({ status: 'succeed', bill: { costUsd: '0.60' } });
    expect(run.settles).toBe(N);
    expect(run.statusReads).toBe(run.sweepRequests + N);
    for (const job of run.jobs) expect(job?.klingEnding).toBeNull();
    for (const { job } of run.succeeded) expect(job?.outputs).toHaveLength(1);
  }, 60_000);
});
