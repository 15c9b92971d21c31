// The orchestrator's client against a real worker: start (once per id), follow, wait, list.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createJobsClient,
  JobAlreadyFinishedError,
  JobFailedError,
  JobNotFoundError,
  type JobsClient,
} from '../../src/client.js';
import { startPipeline, type Pipeline } from '../support/pipeline.js';
import { eventually } from '../support/eventually.js';

const payload = {
  model_name: 'kling-v2-6',
  prompt: 'A lighthouse at dusk',
  duration: 5,
  mode: 'pro',
  generateAudio: true,
};

describe('the jobs client', () => {
  let p: Pipeline;
  let jobs: JobsClient;
  beforeAll(async () => {
    p = await startPipeline({ fileTag: 'client', simulator: { submittedMs: 200, processingMs: 3_000 } });
    await p.startWorker();
    jobs = createJobsClient(p.temporal.client, p.temporal.taskQueue);
  });
  afterAll(async () => p?.close());

  it('starts a job once per id, shows its progress, waits for its bill, and never re-runs it', async () => {
    const first = await jobs.startJob(payload);
    expect(first.started).toBe(true);
    expect(await jobs.startJob(payload, { jobId: first.jobId })).toEqual({
      jobId: first.jobId,
      started: false,
    });

    const waiting = await eventually(async () => {
      const view = await jobs.getJob(first.jobId);
      return view.klingStatus === 'processing' ? view : undefined;
    }, 'the poll to see "processing"');
    expect(waiting).toMatchObject({ run: 'RUNNING', status: { phase: 'waiting', model: 'kling-v2-6' } });
    expect(waiting.status?.quote?.costUsd).toBe('0.60');

    const result = await jobs.waitForJob(first.jobId);
    expect(result.bill.costUsd).toBe('0.60');
    expect(p.simulator.counters().tasksCreated).toBe(1);
    const done = await jobs.getJob(first.jobId);
    expect(done).toMatchObject({ run: 'COMPLETED', status: { phase: 'succeeded', bill: result.bill } });
    await expect(jobs.startJob(payload, { jobId: first.jobId })).rejects.toBeInstanceOf(
      JobAlreadyFinishedError,
    );
    expect(p.simulator.counters().tasksCreated).toBe(1);
  });

  it('reports a failed job as a typed JobFailedError', async () => {
    const { jobId } = await jobs.startJob({ ...payload, duration: 7 });
    const error = await jobs.waitForJob(jobId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error).toMatchObject({ jobId, type: 'InvalidRequest' });
  });

  it('lists jobs, by model too, and refuses an unknown job id', async () => {
    const { jobId } = await jobs.startJob({ ...payload, model_name: 'kling-v3', mode: 'std', duration: 4 });
    await jobs.waitForJob(jobId);
    const listed = await eventually(async () => {
      const found = await jobs.listJobs({ model: 'kling-v3' });
      return found.some((job) => job.jobId === jobId) ? found : undefined;
    }, 'visibility to list the job');
    expect(listed.every((job) => job.model === 'kling-v3')).toBe(true);
    expect(listed.find((job) => job.jobId === jobId)).toMatchObject({ run: 'COMPLETED' });
    await expect(jobs.getJob('job-that-never-was')).rejects.toBeInstanceOf(JobNotFoundError);
  });
});
