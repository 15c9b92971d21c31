// Issue 13, row 10: with KLING_WEBHOOK_SECRET set and no Kling credentials, the embedded simulator signs its callbacks
// with that secret, so the worker's receiver accepts Kling's genuine callbacks. The fallback poll is set to an hour:
// the job can only finish this quickly through an accepted callback.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createJobsClient } from '../../src/client.js';
import { closedPort as freePort } from '../cli/run-cli.js';
import { connectTemporal, type TemporalTestContext } from '../support/temporal.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

const payload = { model_name: 'kling-v2-6', prompt: 'A lighthouse at dusk', duration: 5, mode: 'pro' };

describe('the embedded simulator with a webhook secret', () => {
  let temporal: TemporalTestContext;
  let dataDir: string;
  let worker: WorkerProcess;
  beforeAll(async () => {
    temporal = await connectTemporal('webhook-simulator');
    dataDir = await mkdtemp(join(tmpdir(), 'webhook-simulator-'));
    const port = await freePort();
    worker = await startWorkerProcess('cli', {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      TEMPORAL_TASK_QUEUE: temporal.taskQueue,
      KLING_DATA_DIR: dataDir,
      KLING_CALLBACK_LISTEN: `127.0.0.1:${port}`,
      KLING_CALLBACK_BASE_URL: `http://127.0.0.1:${port}`,
      KLING_CALLBACK_SECRET: randomBytes(24).toString('hex'),
      KLING_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
      KLING_CALLBACK_POLL_INTERVAL_SECONDS: '3600',
    });
  }, 300_000);
  afterAll(async () => {
    await worker?.killTree();
    await temporal?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('signs its callbacks: every one is accepted and the job finishes on them, not on the hourly poll', async () => {
    const { jobId } = await createJobsClient(temporal.client, temporal.taskQueue).startJob(payload, {
      jobId: `job-signed-${randomUUID()}`,
    });
    const handle = temporal.client.workflow.getHandle(jobId);
    const result = (await Promise.race([
      handle.result(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('no callback accepted within 120 s')), 120_000),
      ),
    ])) as { bill: { costUsd: string } };
    expect(result.bill.costUsd).toBe('0.60');
    const { url } = JSON.parse(await readFile(join(dataDir, 'simulator', 'address.json'), 'utf8')) as {
      url: string;
    };
    const counters = (await (await fetch(`${url}/__simulator/counters`)).json()) as {
      callbacks: { delivered: number; failed: number };
    };
    // submitted, processing and succeed: each answered 2xx by the receiver, none refused 401.
    expect(counters.callbacks).toMatchObject({ delivered: 3, failed: 0 });
  }, 180_000);
});
