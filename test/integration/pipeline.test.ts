// The path of a job end to end: real dev server, real worker with the production workflow bundle, the store,
// and the Kling simulator over HTTP. Expected prices are worked out by hand from billing.md, not by the code.
import { readFile } from 'node:fs/promises';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteRequest } from '../../src/domain/pricing.js';
import { normalizeRequest } from '../../src/domain/envelope.js';
import { klingModelKey, klingTaskIdKey } from '../../src/temporal/search-attributes.js';
import { jobStatusQuery } from '../../src/definitions/job.js';
import { startPipeline, type Pipeline } from '../support/pipeline.js';

async function example(name: string): Promise<unknown> {
  return JSON.parse(
    await readFile(new URL(`../../examples/${name}.json`, import.meta.url), 'utf8'),
  ) as unknown;
}

function totalRequests(pipeline: Pipeline): number {
  return Object.values(pipeline.simulator.counters().requests)
    .flatMap((byStatus) => Object.values(byStatus))
    .reduce((sum, n) => sum + n, 0);
}

/** The ApplicationFailure a failed workflow ended with. */
async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => expect.fail('the job should have failed'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('a job on PGlite', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ fileTag: 'pipeline' });
    await p.startWorker();
  });
  afterAll(async () => p?.close());

  it.each([
    ['kling-v2-6-text-audio', 'text', '0.60', 60],
    ['kling-v2-5-turbo-image', 'image', '0.50', 50],
    ['kling-v1-6-multi-image', 'multi-image', '0.58', 58],
    ['kling-video-o1-image-video', 'video', '2.16', 216],
  ])('%s (%s) completes and is billed %s, equal to its quote', async (name, inputType, costUsd, cents) => {
    const payload = await example(name);
    const handle = await p.startJob(payload);
    const result = await handle.result();
    expect(result.status).toBe('succeed');
    expect(result.videos.length).toBeGreaterThan(0);
    expect(result.bill).toMatchObject({
      jobId: handle.workflowId,
      inputType,
      costUsd,
      amountCents: cents,
      billedResolution: '720p',
    });
    const { jobId: _j, klingTaskId: _k, createdAt: _c, ...billedQuote } = result.bill;
    const status = await handle.query(jobStatusQuery);
    expect(status.phase).toBe('succeeded');
    expect(billedQuote).toEqual(status.quote);
    expect(await p.store.getBillLine(handle.workflowId)).toEqual(result.bill);
    const job = await p.store.getJob(handle.workflowId);
    expect(job).toMatchObject({ status: 'succeeded', klingTaskId: result.klingTaskId });
    expect(job?.outputs).toEqual(result.videos);
    // The custom search attributes the dev server registered at start.
    const { typedSearchAttributes } = await handle.describe();
    expect(typedSearchAttributes.get(klingTaskIdKey)).toBe(result.klingTaskId);
    expect(typedSearchAttributes.get(klingModelKey)).toBe(job?.model);
  });

  it('bills the requested duration at the 720p tier whatever Kling reports', async () => {
    p.simulator.setFaults({ outputDurationOffset: 7.5, outputResolution: '4k' });
    try {
      const result = await p.runJob(await example('kling-v2-6-text-audio'));
      expect(result.videos[0]?.duration).toBe('12.50');
      expect(result.bill).toMatchObject({
        requestedSeconds: '5',
        billedSeconds: 5,
        billedResolution: '720p',
        costUsd: '0.60',
      });
      expect(result.bill.requestedResolution).toBe('1080p');
    } finally {
      p.simulator.setFaults({ outputDurationOffset: 0.04, outputResolution: null });
    }
  });

  it('a failed Kling task ends the job with KlingTaskFailed carrying task_status_msg, and no bill line', async () => {
    p.simulator.setFaults({ failTasks: 1, failureMessage: 'Content moderation: rejected (simulated)' });
    const handle = await p.startJob(await example('kling-v3-text'));
    const failure = await failureOf(handle.result());
    expect(failure.type).toBe('KlingTaskFailed');
    expect(failure.message).toContain('Content moderation: rejected (simulated)');
    const job = await p.store.getJob(handle.workflowId);
    expect(job).toMatchObject({ status: 'failed', failure: { type: 'KlingTaskFailed' } });
    expect(job?.failure?.reason).toContain('Content moderation');
    expect(await p.store.getBillLine(handle.workflowId)).toBeUndefined();
    expect((await handle.query(jobStatusQuery)).phase).toBe('failed');
  });

  it('an invalid payload fails in accept, listing every problem, with zero Kling requests', async () => {
    const before = totalRequests(p);
    const handle = await p.startJob({
      model_name: 'kling-v2-6',
      prompt: 'x',
      duration: 7,
      mode: 'std',
      generateAudio: true,
      colour: 'red',
    });
    const failure = await failureOf(handle.result());
    expect(failure.type).toBe('InvalidRequest');
    expect(failure.message).toMatch(/duration/);
    expect(failure.message).toMatch(/colour/);
    expect(totalRequests(p)).toBe(before);
    expect(await p.store.getJob(handle.workflowId)).toBeUndefined();
    expect((await handle.query(jobStatusQuery)).phase).toBe('rejected');
  });

  it('quotes with the persisted request: the quote equals billing.md for the seed o1 payload', async () => {
    // Independent of the workflow: the domain's quote of the normalized example, as the accept step stores it.
    const quote = quoteRequest(
      normalizeRequest(await example('kling-video-o1-image-video')),
      p.deps.rateCard,
    );
    expect(quote.costUsd).toBe('2.16');
  });
});

describe('a job that outlives its budget', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ fileTag: 'budget', simulator: { processingMs: 60_000 }, budgetMs: 1_500 });
    await p.startWorker();
  });
  afterAll(async () => p?.close());

  it('fails with JobTimedOut and leaves no bill line', async () => {
    const handle = await p.startJob(await example('kling-v2-6-text-audio'));
    const failure = await failureOf(handle.result());
    expect(failure.type).toBe('JobTimedOut');
    expect(failure.message).toMatch(/did not finish within the job's budget/);
    expect(await p.store.getJob(handle.workflowId)).toMatchObject({ status: 'timed_out' });
    expect(await p.store.getBillLine(handle.workflowId)).toBeUndefined();
  });
});

describe('a cancelled job', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ fileTag: 'cancel', simulator: { processingMs: 60_000 } });
    await p.startWorker();
  });
  afterAll(async () => p?.close());

  it('ends cancelled, its row says so, and nothing is billed', async () => {
    const handle = await p.startJob(await example('kling-v2-6-text-audio'));
    for (let i = 0; i < 100 && (await handle.query(jobStatusQuery)).phase !== 'waiting'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await handle.cancel();
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect(await p.store.getJob(handle.workflowId)).toMatchObject({ status: 'cancelled' });
    expect(await p.store.getBillLine(handle.workflowId)).toBeUndefined();
  });
});

describe('a job on PostgreSQL', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ fileTag: 'pipeline-pg', database: 'postgres' });
    await p.startWorker();
  });
  afterAll(async () => p?.close());

  it('completes and is billed once', async () => {
    const handle = await p.startJob(await example('kling-v2-6-text-audio'));
    const result = await handle.result();
    expect(result.bill).toMatchObject({ costUsd: '0.60', amountCents: 60 });
    expect(await p.store.getBillLine(handle.workflowId)).toEqual(result.bill);
  });
});
