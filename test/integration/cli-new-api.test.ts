// Kling's new API as a user runs it: the real worker process (`kling-video worker`) configured with a key pair, an
// API key and KLING_NEW_API_MODELS=kling-v3, and `kling-video generate … --wait`, `quote` and `status` as processes,
// against the simulator speaking both API generations.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { inject } from 'vitest';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { BillLine } from '../../src/domain/bill-line.js';
import { startSimulator, type Simulator } from '../../src/kling/simulator/simulator.js';
import { fixtures } from '../kling/fixtures.js';
import { runCli } from '../cli/run-cli.js';

describe('kling-video generate on the new API, against a worker process', () => {
  let simulator: Simulator;
  let dataDir: string;
  let env: Record<string, string>;
  let worker: WorkerProcess;

  beforeAll(async () => {
    simulator = await startSimulator({ submittedMs: 200, processingMs: 1_500, jitter: 0, seed: 19 });
    dataDir = await mkdtemp(join(tmpdir(), 'cli-new-api-'));
    env = {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      TEMPORAL_TASK_QUEUE: `cli-new-api-${randomUUID()}`,
      KLING_DATA_DIR: dataDir,
      KLING_BASE_URL: simulator.url,
      KLING_ACCESS_KEY: simulator.credentials.accessKey,
      KLING_SECRET_KEY: simulator.credentials.secretKey,
      KLING_API_KEY: simulator.credentials.apiKey,
      KLING_NEW_API_MODELS: 'kling-v3',
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

  test.each([
    [
      'kling-3.0-turbo-text',
      'new-request-text-to-video',
      'text',
      '0.25 USD = 5 s × 0.05/s (std) × 1.0 (720p) × 1.00 (text) × 1.0 (model) = 0.25',
    ],
    [
      'kling-3.0-turbo-first-frame',
      'new-request-image-to-video',
      'image',
      '0.96 USD = 8 s × 0.12/s (pro) × 1.0 (720p) × 1.00 (image) × 1.0 (model) = 0.96',
    ],
  ] as const)(
    'generate --wait examples/%s.json succeeds; the body is the documented one; the bill is our formula',
    async (name, fixture, inputType, bill) => {
      const jobId = `cli-new-${randomUUID()}`;
      const generated = await runCli(['generate', `examples/${name}.json`, '--wait', '--job-id', jobId], {
        env,
      });
      expect(generated.code).toBe(0);
      expect(generated.stdout).toContain(
        `Started job ${jobId} (kling-3.0-turbo, ${inputType} input) on task queue ${env.TEMPORAL_TASK_QUEUE}.`,
      );
      expect(generated.stdout).toMatch(/^Phase\s+succeeded$/m);
      expect(generated.stdout).toMatch(
        new RegExp(`^Bill +${bill.replace(/[().×/]/g, '\\$&')}, rounded half-up$`, 'm'),
      );
      const task = taskOf(jobId);
      expect(task).toMatchObject({ api: 'new', status: 'succeed' });
      const documented = fixtures.request(fixture);
      expect(task?.request).toStrictEqual({ ...documented.body, options: { external_task_id: jobId } });

      // Kling's report of its charge (the simulator's: a unit per second) stands beside our bill, never in it.
      const seconds = String((documented.body['settings'] as { duration: number }).duration);
      expect(generated.stdout).toMatch(
        new RegExp(
          `^Kling charged +unit ${seconds} video \\(list price ${seconds}\\) \\(Kling's report\\)$`,
          'm',
        ),
      );
      const json = await runCli(['status', jobId, '--json'], { env });
      expect(json.code).toBe(0);
      const report = JSON.parse(json.stdout) as Record<string, unknown>;
      expect(report).toMatchObject({
        jobId,
        phase: 'succeeded',
        klingTaskId: task?.taskId,
        failure: null,
        klingBilling: [{ charge_type: 'unit', amount: seconds, package_type: 'video', list_price: seconds }],
      });
      const table = await runCli(['status', jobId], { env });
      expect(table.stdout).toMatch(/^Kling charged +unit /m);
      expect(BillLine.parse(report['bill'])).toMatchObject({ model: 'kling-3.0-turbo', inputType });
    },
  );

  test('quote: kling-v3 and kling-3.0 price alike; the line says which name was used', async () => {
    const payload = { prompt: 'Paper boats drift down a rain gutter', mode: 'pro', duration: 7 };
    const [v3, renamed] = await Promise.all(
      ['kling-v3', 'kling-3.0'].map((model) =>
        runCli(['quote', '-'], { env, stdin: JSON.stringify({ ...payload, model_name: model }) }),
      ),
    );
    expect(v3?.code).toBe(0);
    expect(renamed?.code).toBe(0);
    const byV3 = JSON.parse(v3!.stdout) as Record<string, unknown>;
    const byRenamed = JSON.parse(renamed!.stdout) as Record<string, unknown>;
    expect(byRenamed).toStrictEqual({ ...byV3, requestedModel: 'kling-3.0' });
    expect(byV3).toMatchObject({ model: 'kling-v3', costUsd: '1.09' });
  });

  test('a kling-v3 job, moved to the new API by KLING_NEW_API_MODELS, runs there and bills what it quoted', async () => {
    const jobId = `cli-v3-${randomUUID()}`;
    const stdin = JSON.stringify({ model_name: 'kling-v3', prompt: 'p', mode: 'pro', duration: 7 });
    const quoted = await runCli(['quote', '-'], { env, stdin });
    const generated = await runCli(['generate', '-', '--wait', '--job-id', jobId], { env, stdin });
    expect(generated.code).toBe(0);
    const task = taskOf(jobId);
    expect(task).toMatchObject({ api: 'new', model: 'kling-v3' });
    expect(simulator.counters().requests['POST /text-to-video/kling-3.0']).toBeDefined();
    const json = JSON.parse((await runCli(['status', jobId, '--json'], { env })).stdout) as { bill: unknown };
    const { jobId: _jobId, klingTaskId: _taskId, createdAt: _at, ...line } = BillLine.parse(json.bill);
    expect(line).toStrictEqual(JSON.parse(quoted.stdout));
  });

  test('the new API’s rules are checked before anything starts: exit 2 naming the field', async () => {
    const stdin = JSON.stringify({ model_name: 'kling-v3', prompt: 'p', negative_prompt: 'blur' });
    const [quoted, generated] = await Promise.all([
      runCli(['quote', '-'], { env, stdin }),
      runCli(['generate', '-', '--job-id', `cli-neg-${randomUUID()}`], { env, stdin }),
    ]);
    for (const result of [quoted, generated]) {
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toContain("- negative_prompt: not taken by Kling's new API");
    }
  });
});
