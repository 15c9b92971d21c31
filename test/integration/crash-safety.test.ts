// Nothing lost, nothing charged twice: worker crashes, retried billing and repeated starts.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { jobStatusQuery } from '../../src/workflows/definitions.js';
import { queryOnce } from '../store/databases.js';
import { startPipeline, type Pipeline } from '../support/pipeline.js';

const payload = JSON.parse(
  await readFile(new URL('../../examples/kling-v2-6-text-audio.json', import.meta.url), 'utf8'),
) as unknown;

async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a worker process killed mid-wait', () => {
  let p: Pipeline;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    // PostgreSQL, so the worker processes and this test see the same rows.
    p = await startPipeline({ fileTag: 'crash', database: 'postgres', simulator: { processingMs: 4_000 } });
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await p?.close();
  });

  function startWorkerProcess(databaseUrl: string): ChildProcess {
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
          DATABASE_URL: databaseUrl,
          KLING_BASE_URL: p.simulator.url,
          KLING_ACCESS_KEY: accessKey,
          KLING_SECRET_KEY: secretKey,
          KLING_POLL_INTERVAL_SECONDS: '0.1',
          LOG_LEVEL: 'WARN',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    children.push(child);
    return child;
  }

  it('completes on a new worker with exactly one Kling task and one bill line', async () => {
    const databaseUrl = p.databaseUrl;
    if (databaseUrl === undefined) throw new Error('the pipeline has no PostgreSQL');
    const first = startWorkerProcess(databaseUrl);
    const handle = await p.startJob(payload);
    await eventually(
      async () => ((await handle.query(jobStatusQuery)).phase === 'waiting' ? true : undefined),
      'waiting',
    );
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    expect(p.simulator.counters().tasksCreated).toBe(1);

    startWorkerProcess(databaseUrl);
    const result = await handle.result();
    expect(result.bill.costUsd).toBe('0.60');
    expect(p.simulator.counters().tasksCreated).toBe(1);
    const lines = await queryOnce(
      databaseUrl,
      `SELECT job_id FROM bill_lines WHERE job_id = '${handle.workflowId}'`,
    );
    expect(lines).toHaveLength(1);
  });
});

describe('retries and repeats in one worker', () => {
  let p: Pipeline;
  let billAttempts = 0;
  beforeAll(async () => {
    p = await startPipeline({
      fileTag: 'retries',
      activities: (real) => ({
        // The insert commits, then the activity "crashes" before reporting: Temporal retries it.
        async billJob(input) {
          const line = await real.billJob(input);
          billAttempts += 1;
          if (Context.current().info.attempt === 1)
            throw new Error('worker lost after the bill line was written');
          return line;
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
