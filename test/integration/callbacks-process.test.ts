// The real processes, configured only through their environment: a worker running the callback receiver and the
// account slots in-process, and `kling-video callbacks` receiving on its own for workers elsewhere.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { taskEndedSignal } from '../../src/definitions/job.js';
import { taskSweepWorkflowId } from '../../src/definitions/sweep.js';
import { hintedJobIds } from '../support/sweep-hints.js';
import type { klingVideo } from '../../src/workflows/kling-video.js';
import { startJobPipeline, type JobPipeline } from '../callbacks/pipeline.js';
import { startPipeline, type Pipeline } from '../support/pipeline.js';

const payload = JSON.parse(
  await readFile(new URL('../../examples/kling-v2-6-text-audio.json', import.meta.url), 'utf8'),
) as unknown;
const cli = fileURLToPath(new URL('../../bin/kling-video.js', import.meta.url));
const workerMain = fileURLToPath(new URL('../../src/worker.ts', import.meta.url));

interface Running {
  readonly child: ChildProcess;
  readonly output: string[];
  exited(): Promise<number | null>;
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

function run(args: readonly string[], env: Record<string, string | undefined>): Running {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exited: () => exit };
}

async function logged(running: Running, text: string): Promise<void> {
  // Bundling the workflows takes seconds, longer on a loaded machine.
  const deadline = Date.now() + 90_000;
  while (!running.output.join('').includes(text)) {
    if (Date.now() > deadline || running.child.exitCode !== null)
      throw new Error(`never logged "${text}":\n${running.output.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Wake-ups the job received (from its account's task sweep). */
async function wakeUpsIn(handle: WorkflowHandle<typeof klingVideo>): Promise<number> {
  const { events } = await handle.fetchHistory();
  return (events ?? []).filter(
    (event) => event.workflowExecutionSignaledEventAttributes?.signalName === taskEndedSignal.name,
  ).length;
}

/** Job ids that callbacks hinted to the task sweep of the queue. */
function hintsTo(client: Client, taskQueue: string): Promise<string[]> {
  return hintedJobIds(client.workflow.getHandle(taskSweepWorkflowId(taskQueue)));
}

const temporalEnv = () => ({
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  TEMPORAL_NAMESPACE: inject('temporalNamespace'),
});

describe('a worker process with callbacks and a concurrency limit configured', () => {
  let p: Pipeline;
  let dataDir: string;
  beforeAll(async () => {
    p = await startPipeline({
      fileTag: 'callbacks-worker',
      simulator: { submittedMs: 200, processingMs: 1_500, concurrencyLimit: 2 },
    });
    dataDir = await mkdtemp(join(tmpdir(), 'callbacks-worker-'));
  });
  afterAll(async () => {
    await p?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('receives callbacks in-process, queues at the limit, and never logs a token or the secret', async () => {
    const port = await freePort();
    const secret = randomBytes(24).toString('base64url');
    const { accessKey, secretKey } = p.simulator.credentials;
    const worker = run(['--import', 'tsx', workerMain], {
      ...temporalEnv(),
      TEMPORAL_TASK_QUEUE: p.temporal.taskQueue,
      KLING_DATA_DIR: dataDir,
      KLING_BASE_URL: p.simulator.url,
      KLING_ACCESS_KEY: accessKey,
      KLING_SECRET_KEY: secretKey,
      KLING_CALLBACK_BASE_URL: `http://127.0.0.1:${port}`,
      KLING_CALLBACK_LISTEN: `127.0.0.1:${port}`,
      KLING_CALLBACK_SECRET: secret,
      KLING_MAX_CONCURRENT_TASKS: '2',
      LOG_LEVEL: 'INFO',
    });
    await logged(worker, 'worker ready');

    const jobs = await Promise.all(Array.from({ length: 4 }, () => p.startJob(payload)));
    const results = await Promise.all(jobs.map((job) => job.result()));
    expect(results.map((result) => result.bill.costUsd)).toEqual(Array(4).fill('0.60'));
    // The sweep reads every waiting task only each 60 s with callbacks on (the default): each job was woken once,
    // within seconds, by the sweep its terminal callback hinted.
    for (const job of jobs) expect(await wakeUpsIn(job)).toBe(1);
    expect((await hintsTo(p.temporal.client, p.temporal.taskQueue)).length).toBeGreaterThanOrEqual(1);
    const counters = p.simulator.counters();
    expect(counters.maxInFlight).toBeLessThanOrEqual(2);
    expect(counters.codes['POST /v1/videos/text2video']?.['1303']).toBeUndefined();

    worker.child.kill('SIGTERM');
    expect(await worker.exited()).toBe(0);
    const log = worker.output.join('');
    expect(log).toContain('callback received');
    expect(log).not.toContain(secret);
    for (const task of p.simulator.tasks()) {
      const token = task.callbackUrl?.split('/').pop();
      expect(token).toBeDefined();
      expect(log).not.toContain(token);
    }
  });
});

describe('kling-video callbacks', () => {
  it('refuses to start without a listen address and a secret (exit 2)', async () => {
    const command = run([cli, 'callbacks'], temporalEnv());
    expect(await command.exited()).toBe(2);
    expect(command.output.join('')).toMatch(/KLING_CALLBACK_LISTEN/);
  });

  describe('on its own, for a worker elsewhere', () => {
    let p: JobPipeline;
    let receiver: Running;
    const secret = randomBytes(24).toString('base64url');
    beforeAll(async () => {
      const port = await freePort();
      receiver = run([cli, 'callbacks'], {
        ...temporalEnv(),
        KLING_CALLBACK_LISTEN: `127.0.0.1:${port}`,
        KLING_CALLBACK_SECRET: secret,
        LOG_LEVEL: 'INFO',
      });
      await logged(receiver, 'callback receiver listening');
      p = await startJobPipeline({
        fileTag: 'callbacks-cli',
        callbacks: { pollIntervalMs: 60_000, external: { url: `http://127.0.0.1:${port}`, secret } },
        simulator: { submittedMs: 200, processingMs: 1_000 },
      });
      await p.startWorker();
    });
    afterAll(async () => p?.close());

    it("hints the job's task sweep, which wakes the job; then stops on SIGTERM with exit 0", async () => {
      const handle = await p.startJob(payload);
      expect((await handle.result()).status).toBe('succeed');
      expect(await hintsTo(p.temporal.client, p.temporal.taskQueue)).toEqual([handle.workflowId]);
      expect(await wakeUpsIn(handle)).toBe(1);
      receiver.child.kill('SIGTERM');
      expect(await receiver.exited()).toBe(0);
      expect(receiver.output.join('')).toContain('callback received');
    });
  });
});
