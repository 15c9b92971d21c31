// Jobs on Kling's new API generation end to end: a real dev server, real workers with the production workflow
// bundle and the real activities, a real store, and the simulator over HTTP speaking both generations. Prices are
// worked out by hand from billing.md.
import { readFile } from 'node:fs/promises';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeRequest } from '../../src/domain/envelope.js';
import { quoteRequest } from '../../src/domain/pricing.js';
import { defaultRateCard, snapshotRateCard } from '../../src/domain/rate-card.js';
import { jobStatusQuery } from '../../src/definitions/job.js';
import { taskSweepWorkflowId } from '../../src/definitions/sweep.js';
import { fixtures } from '../kling/fixtures.js';
import { startPipeline, type Pipeline } from '../support/pipeline.js';
import { localActivities, requests, sweepReports } from '../support/job-reads.js';

async function example(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(
    await readFile(new URL(`../../examples/${name}.json`, import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
}

describe('with an API key, and kling-v3 moved to the new API by configuration', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ fileTag: 'new-api', newApiModels: ['kling-v3'] });
    await p.startWorker();
  });
  afterAll(async () => p?.close());

  it.each([
    ['kling-3.0-turbo-text', 'new-request-text-to-video', 'text', '0.25'],
    ['kling-3.0-turbo-first-frame', 'new-request-image-to-video', 'image', '0.96'],
  ] as const)(
    '%s runs on the new API with the documented body (%s), %s input, billed %s',
    async (name, fixture, inputType, cost) => {
      const handle = await p.startJob(await example(name));
      const result = await handle.result();
      expect(result).toMatchObject({
        status: 'succeed',
        bill: { model: 'kling-3.0-turbo', inputType, costUsd: cost },
      });
      expect(result.bill).not.toHaveProperty('requestedModel');
      const task = p.simulator.tasks().find((candidate) => candidate.externalTaskId === handle.workflowId);
      expect(task).toMatchObject({ api: 'new', taskId: result.klingTaskId, status: 'succeed' });
      const documented = fixtures.request(fixture);
      expect(task?.request).toStrictEqual({
        ...documented.body,
        options: { external_task_id: handle.workflowId },
      });
      expect(requests(p, `POST ${documented.path}`)).toBeGreaterThanOrEqual(1);
      // What Kling reported it charged (the simulator: a unit per second) is on the job row and in the result and
      // status, beside our bill, which the formula alone priced.
      const seconds = String((documented.body['settings'] as { duration: number }).duration);
      const charged = [{ charge_type: 'unit', amount: seconds, package_type: 'video', list_price: seconds }];
      expect(result.klingBilling).toStrictEqual(charged);
      expect(await p.store.getJob(handle.workflowId)).toMatchObject({
        klingApi: 'new',
        status: 'succeeded',
        klingBilling: charged,
      });
      expect(await handle.query(jobStatusQuery)).toMatchObject({ klingBilling: charged, bill: result.bill });
    },
  );

  it('kling-v3 and kling-3.0 run there and bill what kling-v3 bills on the legacy API, each line with the name used', async () => {
    const payload = { prompt: 'Paper boats drift down a rain gutter', mode: 'pro', duration: 7 };
    const onLegacy = quoteRequest(
      normalizeRequest({ ...payload, model_name: 'kling-v3' }),
      snapshotRateCard(defaultRateCard),
    );
    // 7 s × 0.12 × 1.0 × 1.00 × 1.3 = 1.092 → 1.09.
    expect(onLegacy.costUsd).toBe('1.09');
    const [v3, renamed] = await Promise.all([
      p.runJob({ ...payload, model_name: 'kling-v3' }),
      p.runJob({ ...payload, model_name: 'kling-3.0' }),
    ]);
    for (const result of [v3, renamed]) {
      const {
        jobId: _jobId,
        klingTaskId: _taskId,
        createdAt: _at,
        requestedModel: _name,
        ...line
      } = result.bill;
      expect(line).toStrictEqual(onLegacy);
      const task = p.simulator.tasks().find((candidate) => candidate.taskId === result.klingTaskId);
      expect(task).toMatchObject({ api: 'new', model: 'kling-v3' });
      expect(task?.request).toMatchObject({
        settings: { resolution: '1080p', duration: 7, multi_shot: false },
      });
    }
    expect(v3.bill).not.toHaveProperty('requestedModel');
    expect(renamed.bill).toMatchObject({ model: 'kling-v3', requestedModel: 'kling-3.0' });
    expect(await p.store.getBillLine(renamed.jobId)).toMatchObject({
      requestedModel: 'kling-3.0',
      costUsd: '1.09',
    });
    expect(requests(p, 'POST /text-to-video/kling-3.0')).toBe(2);
  });

  it('a model both APIs serve, not moved, stays on the legacy API, named either way', async () => {
    const result = await p.runJob({ model_name: 'kling-2.6', prompt: 'p', mode: 'pro', generateAudio: true });
    const task = p.simulator.tasks().find((candidate) => candidate.taskId === result.klingTaskId);
    expect(task).not.toHaveProperty('api');
    expect(task?.request).toMatchObject({ model_name: 'kling-v2-6', sound: 'on' });
    expect(result.bill).toMatchObject({ model: 'kling-v2-6', requestedModel: 'kling-2.6', costUsd: '0.60' });
    // The legacy API reports no charge.
    expect(result).not.toHaveProperty('klingBilling');
    expect((await p.store.getJob(result.jobId))?.klingBilling).toBeNull();
  });

  it('an ambiguous create (Kling accepted, then answered 5002) is looked up by external id: one task, one bill', async () => {
    p.simulator.setFaults({ acceptedCreateErrors: [5002] });
    const lookupsBefore = requests(p, 'GET /tasks?external_task_ids');
    const handle = await p.startJob(await example('kling-3.0-turbo-text'));
    const result = await handle.result();
    const tasks = p.simulator.tasks().filter((task) => task.externalTaskId === handle.workflowId);
    expect(tasks).toHaveLength(1);
    expect(result.klingTaskId).toBe(tasks[0]?.taskId);
    expect(p.simulator.counters().codes['POST /text-to-video/kling-3.0-turbo']?.['5002']).toBe(1);
    // The client looked the task up once, right after the 5002, and took it.
    expect(requests(p, 'GET /tasks?external_task_ids') - lookupsBefore).toBe(1);
    expect(await p.store.getBillLine(handle.workflowId)).toMatchObject({
      klingTaskId: tasks[0]?.taskId,
      costUsd: '0.25',
    });
  });

  it('a create whose answer never came (connection dropped after accepting) is found by the next attempt: one task', async () => {
    p.simulator.setFaults({ dropCreates: 1 });
    const handle = await p.startJob(await example('kling-3.0-turbo-first-frame'));
    const result = await handle.result();
    const tasks = p.simulator.tasks().filter((task) => task.externalTaskId === handle.workflowId);
    expect(tasks.map((task) => task.taskId)).toEqual([result.klingTaskId]);
    expect(result.bill.costUsd).toBe('0.96');
  });
});

describe('with N new-API jobs waiting, the task sweep reads them in batches', () => {
  const N = 10;
  let p: Pipeline;
  beforeAll(async () => {
    // Tasks run ~9 s: sweeps every 500 ms find all N waiting many times over. Room for all N at once on the account.
    p = await startPipeline({
      fileTag: 'new-api-sweep',
      pollIntervalMs: 500,
      simulator: { submittedMs: 1_000, processingMs: 8_000, concurrencyLimit: 2 * N },
    });
    await p.startWorker();
  });
  afterAll(async () => p?.close());

  it(`${N} jobs cost one GET /tasks?task_ids a sweep round, not one each; they end with one task and one bill each`, async () => {
    const handles = await Promise.all(
      Array.from({ length: N }, async () => p.startJob(await example('kling-3.0-turbo-text'))),
    );
    const results = await Promise.all(handles.map(async (handle) => handle.result()));

    // Every status read of a new-API task is this one route. The sweep recorded how each task ended before it woke
    // its job, so the jobs settled on that: no confirming query of their own.
    const statusReads = requests(p, 'GET /tasks?task_ids');
    const sweeps = await sweepReports(
      p.temporal.client.workflow.getHandle(taskSweepWorkflowId(p.temporal.taskQueue)),
    );
    const settles = (await Promise.all(handles.map(localActivities)))
      .flat()
      .filter(({ type }) => type === 'settleJob');
    const sweepRequests = sweeps.reduce((sum, sweep) => sum + sweep.requests, 0);
    const waitingRounds = sweeps.filter((sweep) => sweep.waiting > 0).length;
    process.stdout.write(
      `[new-api sweep] ${N} jobs: ${sweeps.length} sweeps, ${waitingRounds} with jobs waiting (` +
        `${sweeps.filter((sweep) => sweep.waiting === N).length} with all ${N}); GET /tasks?task_ids ` +
        `${statusReads} = ${sweepRequests} by the sweeps; ${settles.length} settles\n`,
    );
    // The simulator's count is exactly the sweeps' requests; one settle per job, on the sweep's wake-up.
    expect(statusReads).toBe(sweepRequests);
    expect(settles).toHaveLength(N);
    // Rounds that found all N waiting: one request each (N ≤ MAX_IDS_PER_QUERY), where a poll per job costs N.
    const full = sweeps.filter((sweep) => sweep.waiting === N);
    expect(full.length).toBeGreaterThanOrEqual(3);
    expect(full.map((sweep) => sweep.requests)).toStrictEqual(full.map(() => 1));
    // Every round with jobs waiting made one request; with none waiting, none.
    for (const sweep of sweeps) expect(sweep.requests).toBe(sweep.waiting === 0 ? 0 : 1);
    expect(sweeps.flatMap((sweep) => sweep.woken).sort()).toStrictEqual(
      handles.map((handle) => handle.workflowId).sort(),
    );

    for (const [i, handle] of handles.entries()) {
      const tasks = p.simulator.tasks().filter((task) => task.externalTaskId === handle.workflowId);
      expect(tasks).toHaveLength(1);
      expect(tasks[0]).toMatchObject({ api: 'new', taskId: results[i]!.klingTaskId });
      expect(await p.store.getBillLine(handle.workflowId)).toMatchObject({
        klingTaskId: results[i]!.klingTaskId,
        costUsd: '0.25',
      });
      // Kling's charge, read by the sweep with the task's ending, is on the row and in the job's result.
      const job = await p.store.getJob(handle.workflowId);
      expect(job?.klingBilling).toStrictEqual(results[i]!.klingBilling);
      expect(job?.klingEnding).toMatchObject({ taskId: results[i]!.klingTaskId, status: 'succeed' });
      expect(job?.outputs).toStrictEqual(results[i]!.videos);
      expect(results[i]!.klingBilling).toHaveLength(1);
    }
  }, 120_000);
});

describe('with only a key pair (no KLING_API_KEY)', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ fileTag: 'new-api-pair', klingKeys: 'pair-only' });
    await p.startWorker();
  });
  afterAll(async () => p?.close());

  it('a new-API job fails at accept, typed and not retried, naming KLING_API_KEY; nothing submitted or charged', async () => {
    const handle = await p.startJob(await example('kling-3.0-turbo-text'));
    const error = await handle.result().then(
      () => expect.fail('the job should have failed'),
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.type).toBe('KlingNotConfigured');
    expect(cause.message).toContain('KLING_API_KEY');
    expect(cause.nonRetryable).toBe(true);
    expect(p.simulator.counters().tasksCreated).toBe(0);
    expect(p.simulator.counters().requests).toEqual({});
    expect(await p.store.getJob(handle.workflowId)).toBeUndefined();
    // One attempt of the accept (a local activity), not retried, and no other activity.
    const ran = await localActivities(handle);
    expect(ran.map(({ type, attempt }) => [type, attempt])).toStrictEqual([['acceptJob', 1]]);
    const { events } = await handle.fetchHistory();
    expect(events?.filter((event) => event.activityTaskScheduledEventAttributes != null)).toEqual([]);
  });

  it('a legacy job of the same worker still runs, signed with the key pair', async () => {
    const result = await p.runJob(await example('kling-v2-6-text-audio'));
    expect(result.bill.costUsd).toBe('0.60');
  });
});
