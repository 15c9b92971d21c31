// Acceptance 2 as a user runs it: the real worker process (`kling-video worker`, what `npm start` runs) in one
// "terminal", `kling-video generate … --wait` and `kling-video status` as processes in another. The worker talks
// to a fast simulator through the same settings as the real Kling (KLING_BASE_URL + keys).
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { inject } from 'vitest';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { BillLine } from '../../src/domain/bill-line.js';
import { startSimulator, type Simulator } from '../../src/kling/simulator/simulator.js';
import { runCli, type CliResult } from '../cli/run-cli.js';

const textExample = 'examples/kling-v2-6-text-audio.json';
const failingExample = 'examples/kling-v3-text.json';

describe('kling-video worker, generate and status as processes', () => {
  let simulator: Simulator;
  let dataDir: string;
  let env: Record<string, string>;
  let worker: WorkerProcess;

  beforeAll(async () => {
    simulator = await startSimulator({ submittedMs: 200, processingMs: 4_000, jitter: 0, seed: 17 });
    dataDir = await mkdtemp(join(tmpdir(), 'cli-worker-'));
    env = {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      TEMPORAL_TASK_QUEUE: `cli-worker-${randomUUID()}`,
      KLING_DATA_DIR: dataDir,
      KLING_BASE_URL: simulator.url,
      KLING_ACCESS_KEY: simulator.credentials.accessKey,
      KLING_SECRET_KEY: simulator.credentials.secretKey,
      KLING_POLL_INTERVAL_SECONDS: '1',
    };
    worker = await startWorkerProcess('cli', env);
  });

  afterAll(async () => {
    await worker?.killTree();
    await simulator?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const taskOf = (jobId: string) => simulator.tasks().find((task) => task.externalTaskId === jobId);
  const oneLine = (result: CliResult) => result.stderr.trimEnd().split('\n');

  test('generate --wait shows progress and ends with the bill; status shows the same afterwards', async () => {
    const jobId = `cli-${randomUUID()}`;
    const generated = await runCli(['generate', textExample, '--wait', '--job-id', jobId], { env });
    expect(generated.stderr).toMatch(
      new RegExp(`^${jobId}: waiting · Kling processing {2}\\d+\\.\\d s$`, 'm'),
    );
    expect(generated.code).toBe(0);
    const [started, ...report] = generated.stdout.trimEnd().split('\n');
    expect(started).toBe(
      `Started job ${jobId} (kling-v2-6, text input) on task queue ${env.TEMPORAL_TASK_QUEUE}.`,
    );
    const task = taskOf(jobId);
    expect(task?.status).toBe('succeed');
    const text = report.join('\n');
    expect(text).toMatch(/^Phase\s+succeeded$/m);
    expect(text).toContain(`Kling task    ${task?.taskId} (succeed)`);
    expect(text).toContain(`Video         ${task?.videos[0]?.url} (5.04 s)`);
    expect(text).toMatch(/^Bill\s+0\.60 USD = 5 s × 0\.12\/s \(pro\) × 1\.0 \(720p\) × 1\.00 \(text\)/m);

    const status = await runCli(['status', jobId], { env });
    expect(status).toMatchObject({ code: 0, stderr: '' });
    expect(status.stdout.trimEnd()).toBe(text);

    const json = await runCli(['status', jobId, '--json'], { env });
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(parsed).toMatchObject({
      jobId,
      run: 'COMPLETED',
      phase: 'succeeded',
      klingTaskId: task?.taskId,
      failure: null,
    });
    expect(BillLine.parse(parsed.bill)).toMatchObject({ jobId, costUsd: '0.60', amountCents: 60 });
  });

  test('a job Kling fails: started once, followed by a second generate, exit 1 with the failure; status says so', async () => {
    // Slow enough that the second process finds the job still running.
    simulator.setFaults({ failTasks: 1, processingMs: 10_000 });
    const jobId = `cli-${randomUUID()}`;
    const started = await runCli(['generate', failingExample, '--job-id', jobId], { env });
    expect(started).toMatchObject({ code: 0, stderr: '' });
    expect(started.stdout).toContain(`Follow it with: kling-video status ${jobId}`);
    simulator.setFaults({ processingMs: 4_000 });

    const followed = await runCli(['generate', failingExample, '--job-id', jobId, '--wait'], { env });
    expect(followed.code).toBe(1);
    expect(followed.stdout).toMatch(new RegExp(`^Job ${jobId} is already running; following it\\.$`, 'm'));
    expect(followed.stdout).toMatch(/^Failure\s+KlingTaskFailed: /m);
    expect(followed.stdout).not.toMatch(/^Bill/m);
    expect(simulator.tasks().filter((task) => task.externalTaskId === jobId)).toHaveLength(1);

    const status = await runCli(['status', jobId], { env });
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/^Phase\s+failed$/m);
  });

  test('an unknown job id, and a job id that already ran: exit 2, one line', async () => {
    const [done] = simulator.tasks();
    const [unknown, reused] = await Promise.all([
      runCli(['status', 'no-such-job'], { env }),
      runCli(['generate', textExample, '--job-id', done?.externalTaskId ?? ''], { env }),
    ]);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(oneLine(unknown)).toEqual([
      `kling-video status: no job no-such-job on ${env.TEMPORAL_ADDRESS} (namespace ${env.TEMPORAL_NAMESPACE})`,
    ]);
    expect(reused).toMatchObject({ code: 2, stdout: '' });
    expect(oneLine(reused)).toHaveLength(1);
    expect(reused.stderr).toMatch(/already ran and a job id runs once/);
  });

  test('the worker stops on SIGTERM with exit 0', async () => {
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toContain('worker stopped');
  });
});
