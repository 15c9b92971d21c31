// Issue 9, acceptance 2 and 3: the real worker process (`node --import tsx src/worker.ts`) in production mode with
// metrics on. Its Prometheus endpoint is scraped during and after a job; everything it writes is checked line by line.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  BILL_AMOUNT_METRIC,
  JOBS_METRIC,
  KLING_REQUEST_DURATION_METRIC,
  KLING_REQUESTS_METRIC,
  PHASE_DURATION_METRIC,
} from '../../src/telemetry/metric-names.js';
import { JobFailureType } from '../../src/domain/job-failure.js';
import { jobStatusQuery } from '../../src/definitions/job.js';
import type { klingVideo } from '../../src/workflows/kling-video.js';
import { startPipeline, type Pipeline } from '../support/pipeline.js';
import { eventually } from '../support/eventually.js';

const payload = JSON.parse(
  await readFile(new URL('../../examples/kling-v2-6-text-audio.json', import.meta.url), 'utf8'),
) as unknown;

const secret = (prefix: string) => `${prefix}-${randomBytes(12).toString('hex')}`;
const accessKey = secret('ak');
const secretKey = secret('sk');
// The run's PostgreSQL trusts local connections, so a password in the URL is never checked, yet the worker must
// treat it as a secret all the same. A server given with a password (TEST_DATABASE_URL) keeps its own.
const databasePassword = secret('pw');
const JWT_SHAPE = /eyJ[\w-]{8,}/;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The Prometheus text format, samples only. */
function parseSamples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
      if (match?.[1] === undefined || match[3] === undefined) throw new Error(`not a sample: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m): [string, string] => [
          m[1] ?? '',
          m[2] ?? '',
        ]),
      );
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

/** The sum of the samples named `name` whose labels include `labels`. */
function total(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value))
    .reduce((sum, s) => sum + s.value, 0);
}

interface LogLine {
  readonly raw: string;
  readonly json: Record<string, unknown>;
}

describe('the worker process in production, with metrics on', () => {
  let p: Pipeline;
  let worker: ChildProcess;
  let exited: Promise<number | null>;
  let metricsUrl: string;
  const output = { stdout: '', stderr: '' };

  beforeAll(async () => {
    p = await startPipeline({
      fileTag: 'observability',
      database: 'postgres',
      // Long enough for a scrape while the job waits on Kling.
      simulator: { accessKey, secretKey, submittedMs: 200, processingMs: 2_000 },
    });
    if (p.databaseUrl === undefined) throw new Error('the pipeline has no PostgreSQL');
    const databaseUrl = new URL(p.databaseUrl);
    if (databaseUrl.password === '') databaseUrl.password = databasePassword;
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    worker = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('../../src/worker.ts', import.meta.url))],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NODE_ENV: 'production',
          TEMPORAL_ADDRESS: inject('temporalAddress'),
          TEMPORAL_NAMESPACE: inject('temporalNamespace'),
          TEMPORAL_TASK_QUEUE: p.temporal.taskQueue,
          DATABASE_URL: databaseUrl.toString(),
          KLING_BASE_URL: p.simulator.url,
          KLING_ACCESS_KEY: accessKey,
          KLING_SECRET_KEY: secretKey,
          KLING_POLL_INTERVAL_SECONDS: '0.1',
          METRICS_BIND_ADDRESS: `127.0.0.1:${metricsPort}`,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    worker.stdout?.on('data', (chunk: Buffer) => (output.stdout += chunk.toString('utf8')));
    worker.stderr?.on('data', (chunk: Buffer) => (output.stderr += chunk.toString('utf8')));
    exited = new Promise((resolve) => worker.once('exit', (code) => resolve(code)));
    await eventually(
      () => Promise.resolve(output.stderr.includes('"msg":"worker ready"') ? true : undefined),
      'the worker to be ready',
      60_000,
    );
  });
  afterAll(async () => {
    if (worker?.exitCode === null) worker.kill('SIGKILL');
    await p?.close();
  });

  const scrape = async (): Promise<{ text: string; samples: Sample[] }> => {
    const text = await (await fetch(metricsUrl)).text();
    return { text, samples: parseSamples(text) };
  };

  it('serves the SDK metrics and ours on one endpoint, during a job and after it', async () => {
    const handle = await p.startJob(payload);
    await eventually(
      async () => ((await handle.query(jobStatusQuery)).phase === 'waiting' ? true : undefined),
      'the job to wait on Kling',
    );

    const during = await eventually(async () => {
      const { samples } = await scrape();
      return total(samples, PHASE_DURATION_METRIC + '_count', { phase: 'submitting' }) > 0
        ? samples
        : undefined;
    }, 'the submit phase in the metrics');
    expect(total(during, JOBS_METRIC)).toBe(0);
    // The SDK's own metrics, on this worker's queue.
    const queue = { task_queue: p.temporal.taskQueue };
    expect(total(during, 'temporal_workflow_task_execution_latency_count', queue)).toBeGreaterThan(0);
    // Accepting and submitting are local activities, run inside the first workflow task.
    for (const activityType of ['acceptJob', 'submitTask']) {
      expect(
        total(during, 'temporal_local_activity_execution_latency_count', {
          ...queue,
          activity_type: activityType,
        }),
      ).toBe(1);
    }
    expect(
      total(during, 'temporal_activity_execution_latency_count', { ...queue, activity_type: 'submitTask' }),
    ).toBe(0);
    // Ours.
    expect(total(during, `${PHASE_DURATION_METRIC}_count`, { phase: 'accepting' })).toBe(1);
    expect(
      total(during, KLING_REQUESTS_METRIC, {
        route: 'POST /v1/videos/text2video',
        code: '0',
        http_status: '200',
      }),
    ).toBe(1);
    expect(
      total(during, `${KLING_REQUEST_DURATION_METRIC}_count`, { route: 'POST /v1/videos/text2video' }),
    ).toBe(1);

    const result = await handle.result();
    const after = await eventually(async () => {
      const { text, samples } = await scrape();
      return total(samples, JOBS_METRIC) > 0 ? { text, samples } : undefined;
    }, 'the job outcome in the metrics');
    expect(total(after.samples, JOBS_METRIC, { outcome: 'succeeded' })).toBe(1);
    expect(total(after.samples, JOBS_METRIC)).toBe(1);
    // The bill is written in the step that confirms the task ended: no phase of its own since issue 15.
    for (const phase of ['accepting', 'submitting', 'waiting']) {
      expect(total(after.samples, `${PHASE_DURATION_METRIC}_count`, { phase })).toBe(1);
    }
    expect(total(after.samples, `${PHASE_DURATION_METRIC}_count`, { phase: 'billing' })).toBe(0);
    expect(total(after.samples, `${BILL_AMOUNT_METRIC}_count`, { currency: result.bill.currency })).toBe(1);
    expect(total(after.samples, `${BILL_AMOUNT_METRIC}_sum`, { currency: result.bill.currency })).toBe(
      result.bill.amountCents,
    );
    expect(
      total(after.samples, KLING_REQUESTS_METRIC, {
        route: 'GET /v1/videos/text2video/{task_id}',
        code: '0',
        http_status: '200',
      }),
    ).toBeGreaterThan(0);
    expect(total(after.samples, KLING_REQUESTS_METRIC)).toBe(totalSimulatorRequests(p));
    // Bounded labels: no job or task id anywhere in the endpoint's output.
    expect(after.text).not.toContain(handle.workflowId);
    expect(after.text).not.toContain(result.klingTaskId);
  });

  it('writes one JSON line per event, the job id on every job line, and no secret', async () => {
    const succeeded = await p.startJob(payload);
    await succeeded.result();
    p.simulator.setFaults({ failureRate: 1 });
    const failed = await p.startJob(payload);
    await expect(failed.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const rejected = await p.startJob({ model: 'no-such-model' });
    await expect(rejected.result()).rejects.toBeInstanceOf(WorkflowFailedError);

    worker.kill('SIGTERM');
    expect(await exited).toBe(0);

    const lines: LogLine[] = `${output.stdout}${output.stderr}`
      .split('\n')
      .filter((raw) => raw !== '')
      .map((raw) => ({ raw, json: jsonObject(raw) }));
    for (const { raw, json } of lines) {
      for (const field of ['time', 'level', 'msg']) expect(typeof json[field], raw).toBe('string');
    }
    expect(lines.at(-1)?.json.msg).toBe('worker stopped');

    const events = (handle: WorkflowHandle<typeof klingVideo>) => {
      const jobId = handle.workflowId;
      const ofJob = lines.filter(({ raw, json }) => raw.includes(jobId) || json.workflowId === jobId);
      for (const { raw, json } of ofJob) expect(json.jobId, raw).toBe(jobId);
      return ofJob.map(({ json }) => json);
    };
    const messages = (handle: WorkflowHandle<typeof klingVideo>) => events(handle).map((json) => json.msg);
    expect(messages(succeeded)).toEqual(
      expect.arrayContaining([
        'job accepted',
        'task submitted',
        'task finished',
        'bill written',
        'job succeeded',
      ]),
    );
    expect(messages(failed)).toEqual(
      expect.arrayContaining(['job accepted', 'task submitted', 'task finished', 'job failed']),
    );
    expect(messages(failed)).not.toContain('bill written');
    expect(events(failed).find((json) => json.msg === 'job failed')).toMatchObject({
      outcome: 'failed',
      failureType: JobFailureType.klingTaskFailed,
    });
    expect(events(rejected).find((json) => json.msg === 'job failed')).toMatchObject({
      outcome: 'rejected',
      failureType: JobFailureType.invalidRequest,
    });

    const everything = `${output.stdout}${output.stderr}`;
    for (const value of [accessKey, secretKey, databasePassword, new URL(p.databaseUrl ?? '').password]) {
      if (value !== '') expect(everything).not.toContain(value);
    }
    expect(everything).not.toMatch(JWT_SHAPE);
  });
});

/** One log line as a JSON object, or a failure naming the line. */
function jsonObject(raw: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error(`not a JSON line: ${raw}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`not a JSON object: ${raw}`);
  return value as Record<string, unknown>;
}

function totalSimulatorRequests(pipeline: Pipeline): number {
  return Object.values(pipeline.simulator.counters().requests)
    .flatMap((byStatus) => Object.values(byStatus))
    .reduce((sum, n) => sum + n, 0);
}
