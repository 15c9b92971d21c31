// Nothing lost, nothing charged twice: worker crashes, retried billing and repeated starts.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { jobStatusQuery } from '../../src/definitions/job.js';
import type { klingVideo } from '../../src/workflows/kling-video.js';
import { queryOnce } from '../store/databases.js';
import { startPipeline, type Pipeline } from '../support/pipeline.js';
import { eventually } from '../support/eventually.js';

const payload = JSON.parse(
  await readFile(new URL('../../examples/kling-v2-6-text-audio.json', import.meta.url), 'utf8'),
) as unknown;

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

/**
 * The real worker process (`src/worker.ts` main), configured only through its environment. Resolves once it
 * reports ready: bundling the workflows takes seconds, longer on a loaded machine.
 */
async function startWorkerProcess(p: Pipeline): Promise<ChildProcess> {
  const { accessKey, secretKey } = p.simulator.credentials;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('../../src/worker.ts', import.meta.url))],
    {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_NAMESPACE: inject('temporalNamespace'),
        TEMPORAL_TASK_QUEUE: p.temporal.taskQueue,
        DATABASE_URL: p.databaseUrl,
        KLING_BASE_URL: p.simulator.url,
        KLING_ACCESS_KEY: accessKey,
        KLING_SECRET_KEY: secretKey,
        KLING_POLL_INTERVAL_SECONDS: '0.1',
        LOG_LEVEL: 'INFO',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  children.push(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker ready')) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`worker exited (${code}) before it was ready:\n${output}`)),
    );
  });
  return child;
}

async function untilWaiting(handle: WorkflowHandle): Promise<void> {
  // A query waits for a worker to run the workflow; on a loaded machine that can outlast one query's deadline.
  const phase = () =>
    handle.query(jobStatusQuery).then(
      (status) => status.phase,
      () => undefined,
    );
  await eventually(async () => ((await phase()) === 'waiting' ? true : undefined), 'waiting', 90_000);
}

/** The job finished on the next worker: one Kling task, billed once (0.60). */
async function expectOneTaskOneBill(p: Pipeline, handle: WorkflowHandle<typeof klingVideo>): Promise<void> {
  const result = await handle.result();
  expect(result.bill.costUsd).toBe('0.60');
  expect(p.simulator.counters().tasksCreated).toBe(1);
  const lines = await queryOnce(
    p.databaseUrl!,
    `SELECT job_id FROM bill_lines WHERE job_id = '${handle.workflowId}'`,
  );
  expect(lines).toHaveLength(1);
}

describe('a worker process killed mid-wait', () => {
  let p: Pipeline;
  beforeAll(async () => {
    // PostgreSQL, so the worker processes and this test see the same rows.
    p = await startPipeline({ fileTag: 'crash', database: 'postgres', simulator: { processingMs: 4_000 } });
  });
  afterAll(async () => p?.close());

  it('completes on a new worker with exactly one Kling task and one bill line', async () => {
    const first = await startWorkerProcess(p);
    const handle = await p.startJob(payload);
    await untilWaiting(handle);
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    expect(p.simulator.counters().tasksCreated).toBe(1);

    await startWorkerProcess(p);
    await expectOneTaskOneBill(p, handle);
  }, 240_000);
});

describe('a worker process killed while its create is in flight', () => {
  let p: Pipeline;
  beforeAll(async () => {
    // Kling answers the create 8 s after making the task, and — the worst reading of the docs — makes a second
    // paid task for a reused external_task_id instead of refusing it: only looking the task up first avoids it.
    p = await startPipeline({
      fileTag: 'crash-create',
      database: 'postgres',
      simulator: { processingMs: 2_000, latencyMs: 8_000, reusedExternalId: 'create' },
    });
  });
  afterAll(async () => p?.close());

  it('the next worker looks the task up instead of creating a second one: one task, one bill line', async () => {
    const first = await startWorkerProcess(p);
    const handle = await p.startJob(payload);
    // The create has reached Kling (the task exists); its answer has not reached the worker.
    await eventually(
      () => (p.simulator.counters().tasksCreated === 1 ? true : undefined),
      'the create reached Kling',
      90_000,
    );
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    p.simulator.setFaults({ latencyMs: 0 });

    await startWorkerProcess(p);
    await expectOneTaskOneBill(p, handle);
  }, 240_000);
});

describe('a worker process stopped with SIGTERM', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ fileTag: 'sigterm', database: 'postgres', simulator: { processingMs: 3_000 } });
  });
  afterAll(async () => p?.close());

  it('drains and exits 0; the job finishes on the next worker, billed once', async () => {
    const first = await startWorkerProcess(p);
    const handle = await p.startJob(payload);
    await untilWaiting(handle);
    const exited = new Promise<number | null>((resolve) => first.once('exit', (code) => resolve(code)));
    first.kill('SIGTERM');
    expect(await exited).toBe(0);
    await startWorkerProcess(p);
    expect((await handle.result()).bill.amountCents).toBe(60);
    expect(p.simulator.counters().tasksCreated).toBe(1);
  }, 240_000);
});

describe('retries and repeats in one worker', () => {
  let p: Pipeline;
  let billAttempts = 0;
  beforeAll(async () => {
    p = await startPipeline({
      fileTag: 'retries',
      activities: (real) => ({
        // The bill line and the finished job commit, then the activity "crashes" before reporting: it is retried.
        async settleJob(ref) {
          const settled = await real.settleJob(ref);
          if (settled.status !== 'succeed') return settled;
          billAttempts += 1;
          if (Context.current().info.attempt === 1)
            throw new Error('worker lost after the bill line was written');
          return settled;
        },
      }),
    });
    await p.startWorker();
  });
  afterAll(async () => p?.close());

  it('a billing activity that fails after its insert and is retried leaves one bill line', async () => {
    const handle = await p.startJob(payload);
    const result = await handle.result();
    expect(billAttempts).toBe(2);
    // The retry returned the line the first attempt wrote (bill_lines is keyed by job id).
    expect(await p.store.getBillLine(handle.workflowId)).toEqual(result.bill);
  });

  it('starting the same job id twice runs it once', async () => {
    const jobId = `job-twice-${Date.now()}`;
    const before = p.simulator.counters().tasksCreated;
    const handle = await p.startJob(payload, jobId);
    await expect(p.startJob(payload, jobId)).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    const result = await handle.result();
    expect(p.simulator.counters().tasksCreated).toBe(before + 1);
    expect(await p.store.getBillLine(jobId)).toEqual(result.bill);
  });
});
