// Issue 13 with a real worker and dev server: hostile input never starts a job through the orchestrator's client,
// a job started around it ends typed at the accept step instead of retrying forever, and data the store refuses
// ends the job `StoreRejected` at once (rows 3, 4, 8, 12 and the general "no activity retries forever").
import { WorkflowFailedError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobsClient, type JobsClient } from '../../src/client.js';
import { InvalidRequestError } from '../../src/domain/envelope.js';
import { openPgliteSql } from '../../src/store/pglite-sql.js';
import type { Sql } from '../../src/store/sql.js';
import { startPipeline, type Pipeline } from '../support/pipeline.js';

const payload = { model_name: 'kling-v2-6', prompt: 'A lighthouse at dusk', duration: 5, mode: 'pro' };

function nested(levels: number): unknown {
  let value: unknown = { zoom: 1 };
  for (let i = 0; i < levels; i++) value = { config: value };
  return value;
}

/** The typed failure a job ended with; a generous bound, but a job stuck retrying fails the test. */
async function failureOf(handle: WorkflowHandle): Promise<ApplicationFailure> {
  const error = await Promise.race([
    handle.result().then(
      () => new Error('the job succeeded'),
      (failure: unknown) => failure,
    ),
    new Promise<Error>((resolve) => setTimeout(() => resolve(new Error('the job is still running')), 60_000)),
  ]);
  if (!(error instanceof WorkflowFailedError) || !(error.cause instanceof ApplicationFailure)) throw error;
  return error.cause;
}

describe('hostile jobs', () => {
  let p: Pipeline;
  let jobs: JobsClient;
  let refusing: Sql;
  beforeAll(async () => {
    p = await startPipeline({ fileTag: 'hostile' });
    await p.startWorker();
    jobs = createJobsClient(p.temporal.client, p.temporal.taskQueue);
    refusing = await openPgliteSql('memory://');
  });
  afterAll(async () => {
    await refusing?.close();
    await p?.close();
  });

  it.each([
    ['a NUL in the prompt', { ...payload, prompt: 'a\u0000b' }, 'job-nul-prompt', 'prompt'],
    [
      'a NUL in the model name',
      { ...payload, model_name: 'kling-v2-6\u0000' },
      'job-nul-model',
      'model_name',
    ],
    [
      'camera_control 2,000 levels deep',
      { ...payload, camera_control: nested(2_000) },
      'job-deep',
      'camera_control',
    ],
    ['an upper-case model name', { ...payload, model_name: 'KLING-V2-6' }, 'job-upper-model', 'model_name'],
    ['a job id with a newline', payload, 'job\nforged', 'jobId'],
  ])(
    'startJob refuses %s with a typed InvalidRequestError naming it; nothing starts',
    async (_name, body, jobId, path) => {
      const error = await jobs.startJob(body, { jobId }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).issues.map((issue) => issue.path)).toContainEqual(
        expect.stringMatching(new RegExp(`^${path}`)),
      );
      await expect(p.temporal.client.workflow.getHandle(jobId).describe()).rejects.toBeInstanceOf(
        WorkflowNotFoundError,
      );
    },
  );

  it('a job started around startJob with a NUL in the prompt ends InvalidRequest at accept, nothing submitted', async () => {
    const before = p.simulator.counters().tasksCreated;
    const failure = await failureOf(await p.startJob({ ...payload, prompt: 'a\u0000b' }));
    expect(failure.type).toBe('InvalidRequest');
    expect(failure.message).toContain('prompt: control character U+0000');
    expect(p.simulator.counters().tasksCreated).toBe(before);
  });

  it('a job whose id breaks the job-id rule ends InvalidRequest naming jobId', async () => {
    const failure = await failureOf(await p.startJob(payload, 'job with spaces'));
    expect(failure.type).toBe('InvalidRequest');
    expect(failure.message).toContain('jobId: "job with spaces" is not a job id');
  });

  it('data the store refuses ends the job StoreRejected after one attempt, not retried forever', async () => {
    const insertJob = p.store.insertJob.bind(p.store);
    let attempts = 0;
    // What PostgreSQL answers to a NUL that got past every check: the real driver error.
    p.store.insertJob = async () => {
      attempts++;
      await refusing.query('SELECT $1::text', ['a\u0000b']);
      throw new Error('unreachable: the query above fails');
    };
    try {
      const failure = await failureOf(await p.startJob(payload));
      expect(failure.type).toBe('StoreRejected');
      expect(failure.message).toContain('invalid byte sequence for encoding "UTF8": 0x00');
      expect(attempts).toBe(1);
    } finally {
      p.store.insertJob = insertJob;
    }
  });
});
