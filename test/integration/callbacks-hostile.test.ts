// Issue 13, rows 1 and 2: made-up callbacks carrying the job's valid token. They never reach the job's history, cost
// the receiver a bounded amount of memory, and cannot hold back the genuine callback. Real worker (its own process
// for the flood, so its resident set can be read), real receiver, real dev server; the simulator is Kling.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { callbackUrl } from '../../src/callbacks/token.js';
import { jobStatusQuery } from '../../src/definitions/job.js';
import { taskSweepWorkflowId } from '../../src/definitions/sweep.js';
import { hintedJobIds } from '../support/sweep-hints.js';
import { toTaskData, type SimulatedTask } from '../../src/kling/simulator/tasks.js';
import { startJobPipeline, type JobPipeline } from '../callbacks/pipeline.js';
import { queryOnce } from '../store/databases.js';
import { eventually } from '../support/eventually.js';
import { startPipeline, type Pipeline } from '../support/pipeline.js';

const payload = JSON.parse(
  await readFile(new URL('../../examples/kling-v2-6-text-audio.json', import.meta.url), 'utf8'),
) as unknown;
const workerMain = fileURLToPath(new URL('../../src/worker.ts', import.meta.url));
const { History } = proto.temporal.api.history.v1;

/** A job's history as the server keeps it: events and encoded bytes. */
async function historySize(handle: WorkflowHandle): Promise<{ events: number; bytes: number }> {
  const history = await handle.fetchHistory();
  return { events: history.events?.length ?? 0, bytes: History.encode(history).finish().length };
}

async function signalsNamed(handle: WorkflowHandle, name: string): Promise<number> {
  const { events } = await handle.fetchHistory();
  return (events ?? []).filter((event) => event.workflowExecutionSignaledEventAttributes?.signalName === name)
    .length;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The resident set of a process, from /proc (Linux). */
async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for ${pid}`);
  return Number(kib) / 1024;
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const taskOf = (p: Pipeline, jobId: string): SimulatedTask | undefined =>
  p.simulator.tasks().find((task) => task.externalTaskId === jobId);

const succeededAt = (task: SimulatedTask | undefined): number =>
  task?.transitions.find((t) => t.status === 'succeed')?.at ?? Number.NaN;

describe('900 made-up terminal callbacks for one running job (issue 13, row 1)', () => {
  let p: Pipeline;
  let worker: ChildProcess;
  const secret = randomBytes(24).toString('base64url');
  let receiverUrl = '';
  const output: string[] = [];

  beforeAll(async () => {
    // PostgreSQL, so the worker process and this test see the same bill lines.
    p = await startPipeline({
      fileTag: 'callbacks-hostile',
      database: 'postgres',
      simulator: { submittedMs: 200, processingMs: 30_000 },
    });
    const port = await freePort();
    receiverUrl = `http://127.0.0.1:${port}`;
    const { accessKey, secretKey } = p.simulator.credentials;
    worker = spawn(process.execPath, ['--import', 'tsx', workerMain], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'INFO',
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_NAMESPACE: inject('temporalNamespace'),
        TEMPORAL_TASK_QUEUE: p.temporal.taskQueue,
        DATABASE_URL: p.databaseUrl,
        KLING_BASE_URL: p.simulator.url,
        KLING_ACCESS_KEY: accessKey,
        KLING_SECRET_KEY: secretKey,
        KLING_CALLBACK_BASE_URL: receiverUrl,
        KLING_CALLBACK_LISTEN: `127.0.0.1:${port}`,
        KLING_CALLBACK_SECRET: secret,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    worker.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    await eventually(
      () => (output.join('').includes('worker ready') ? true : undefined),
      'the worker to be ready',
      90_000,
    );
  });
  afterAll(async () => {
    if (worker?.exitCode === null) worker.kill('SIGKILL');
    await p?.close();
  });

  it('leaves the job its usual history, bills it once, and the worker bounded in memory', async () => {
    const handle = await p.startJob(payload);
    const jobId = handle.workflowId;
    await eventually(
      async () => ((await handle.query(jobStatusQuery)).phase === 'waiting' ? true : undefined),
      'the job to wait on Kling',
      60_000,
    );
    const task = taskOf(p, jobId)!;
    const url = callbackUrl(receiverUrl, secret, jobId);
    const rssBefore = await rssMiB(worker.pid!);

    // Half with ~60 KB made-up task ids, half with short ones (past the size check, into the hint path); every one
    // claims the task ended, each with its own updated_at.
    const answers: number[] = [];
    const floodStarted = Date.now();
    for (let batch = 0; batch < 90; batch++) {
      const sent = Array.from({ length: 10 }, (_, i) => {
        const n = batch * 10 + i;
        const taskId = n % 2 === 0 ? `${n}-${randomBytes(30_000).toString('hex')}` : `${900_000_000_000 + n}`;
        return post(url, {
          ...toTaskData(task),
          task_id: taskId,
          task_status: n % 3 === 0 ? 'failed' : 'succeed',
          updated_at: task.updatedAt + n + 1,
        }).then((response) => response.status);
      });
      answers.push(...(await Promise.all(sent)));
    }
    const floodSeconds = (Date.now() - floodStarted) / 1000;
    const rssAfter = await rssMiB(worker.pid!);
    process.stdout.write(
      `[callbacks-hostile] 900 made-up callbacks in ${floodSeconds.toFixed(1)} s: worker RSS ${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} MiB\n`,
    );
    // Refused for their size, or taken as (at most one per second) hints to the sweep.
    expect(answers.filter((status) => status === 400)).toHaveLength(450);
    expect(answers.filter((status) => status === 200)).toHaveLength(450);
    // Loose: the receiver keeps a few bytes per job, never the bodies (before issue 15: +334 MiB, never released).
    expect(rssAfter - rssBefore).toBeLessThan(150);

    const result = await handle.result();
    expect(result.bill.costUsd).toBe('0.60');
    const lines = await queryOnce(p.databaseUrl!, `SELECT job_id FROM bill_lines WHERE job_id = '${jobId}'`);
    expect(lines).toHaveLength(1);
    const size = await historySize(handle);
    process.stdout.write(
      `[callbacks-hostile] the job's history: ${size.events} events, ${size.bytes} bytes\n`,
    );
    // The shape of any successful job: nothing a made-up callback carried is in it.
    expect(size.events).toBeLessThanOrEqual(21);
    expect(size.bytes).toBeLessThan(16 * 1024);
    expect(await signalsNamed(handle, 'taskEnded')).toBe(1);
    // The sweep heard at most a hint per second of the flood, plus the genuine one.
    const sweep = p.temporal.client.workflow.getHandle(taskSweepWorkflowId(p.temporal.taskQueue));
    const hints = (await hintedJobIds(sweep)).filter((hinted) => hinted === jobId).length;
    expect(hints).toBeGreaterThanOrEqual(1);
    expect(hints).toBeLessThanOrEqual(Math.ceil(floodSeconds) + 3);
  }, 240_000);
});

describe('made-up callbacks before the genuine one (issue 13, row 2)', () => {
  let p: JobPipeline;
  beforeAll(async () => {
    // The sweep's own round and a job's own check both 10 minutes away: only a callback can end a job here within
    // the test's time, and only through the hint it gives the sweep.
    p = await startJobPipeline({
      fileTag: 'callbacks-made-up',
      maxConcurrentTasks: 1,
      callbacks: { pollIntervalMs: 600_000 },
      fallbackCheckMs: 600_000,
      simulator: { submittedMs: 100, processingMs: 1_500 },
    });
    await p.startWorker();
  });
  afterAll(async () => p?.close());

  /** Seconds from the task's succeed to the job's close: well under the 600 s any other path would take. */
  async function closedAfterSucceed(handle: WorkflowHandle): Promise<number> {
    const closedAt = (await handle.describe()).closeTime?.getTime() ?? Number.NaN;
    return (closedAt - succeededAt(taskOf(p, handle.workflowId))) / 1000;
  }

  it('one made-up callback from the future while the job is queued does not hold back the genuine one', async () => {
    p.simulator.setFaults({ processingMs: 4_000 });
    const holder = await p.startJob(payload);
    await eventually(
      async () => ((await holder.query(jobStatusQuery)).phase === 'waiting' ? true : undefined),
      'the first job to hold the slot',
    );
    p.simulator.setFaults({ processingMs: 1_500 });
    const queued = await p.startJob(payload);
    await eventually(
      async () => ((await queued.query(jobStatusQuery)).phase === 'queued' ? true : undefined),
      'the second job to queue',
    );
    const response = await post(callbackUrl(p.receiver!.url, p.secret, queued.workflowId), {
      task_id: '800000000000000001',
      task_status: 'succeed',
      task_status_msg: '',
      task_info: { external_task_id: queued.workflowId },
      task_result: { videos: [{ id: 'v', url: 'https://example.com/v.mp4', duration: '5' }] },
      created_at: Date.now(),
      updated_at: Number.MAX_SAFE_INTEGER,
    });
    expect(response.status).toBe(200);

    await holder.result();
    expect((await queued.result()).bill.costUsd).toBe('0.60');
    const lag = await closedAfterSucceed(queued);
    process.stdout.write(
      `[callbacks-made-up] queued job closed ${lag.toFixed(2)} s after its task succeeded\n`,
    );
    expect(lag).toBeLessThan(60);
    expect(await signalsNamed(queued, 'taskEnded')).toBe(1);
  });

  it('three made-up succeed callbacks after submit do not hold back the genuine one', async () => {
    p.simulator.setFaults({ processingMs: 5_000 });
    const handle = await p.startJob(payload);
    const jobId = handle.workflowId;
    const task = await eventually(
      () => (taskOf(p, jobId)?.status === 'processing' ? taskOf(p, jobId) : undefined),
      'the task to be processing',
    );
    const url = callbackUrl(p.receiver!.url, p.secret, jobId);
    for (let n = 1; n <= 3; n++) {
      const claim = { ...toTaskData(task), task_status: 'succeed', updated_at: task.updatedAt + n };
      expect((await post(url, claim)).status).toBe(200);
      // Each in a window of its own: every one reaches the sweep, which reads the task and finds it running.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
    }
    expect(await signalsNamed(handle, 'taskEnded')).toBe(0);
    expect(await p.store.getBillLine(jobId)).toBeUndefined();

    expect((await handle.result()).bill.costUsd).toBe('0.60');
    const lag = await closedAfterSucceed(handle);
    process.stdout.write(`[callbacks-made-up] job closed ${lag.toFixed(2)} s after its task succeeded\n`);
    expect(lag).toBeLessThan(60);
    expect(await signalsNamed(handle, 'taskEnded')).toBe(1);
  });
});
