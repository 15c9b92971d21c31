// Issue 17, acceptance 3: with an OTLP endpoint set (a receiver in this test), one job yields one trace — the client's
// start, the workflow run, its activities and the Kling HTTP requests as children of the activities that made them —
// and no span, event or resource attribute holds a configured secret or the prompt. The worker is the real process
// in production mode, running the workflow bundle built ahead by scripts/bundle-workflows.ts as a container does (so
// the bundle is shown to carry the workflow interceptors); the client is this test's, traced through
// src/telemetry/tracing.ts as an orchestrator would.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startTracing, type Tracing } from '../../src/telemetry/tracing.js';
import { JOB_WORKFLOW } from '../../src/definitions/job.js';
import type { klingVideo } from '../../src/workflows/kling-video.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { startPipeline, type Pipeline } from '../support/pipeline.js';
import { startWorkerProcess, type WorkerProcess } from '../support/production-worker.js';

const secret = (prefix: string) => `${prefix}-${randomBytes(12).toString('hex')}`;
const collectorToken = secret('otlp-token');
const callbackSecret = secret('callback-secret');
const prompt = `A lighthouse keeper counts ${secret('waves')} at dawn`;

/** Every string a span carries: its name, status message, and the attributes of the span, its events and resource. */
function textsOf(span: ReceivedSpan): string[] {
  const values = (attributes: Readonly<Record<string, unknown>>) =>
    Object.entries(attributes).flatMap(([key, value]) => [key, String(JSON.stringify(value))]);
  return [
    span.name,
    span.status.message,
    ...values(span.attributes),
    ...values(span.resource),
    ...span.events.flatMap((event) => [event.name, ...values(event.attributes)]),
  ];
}

describe('traces of one job', () => {
  let receiver: OtlpReceiver;
  let p: Pipeline;
  let worker: WorkerProcess | undefined;
  let tracing: Tracing;
  let bundleDir: string;

  beforeAll(async () => {
    bundleDir = await mkdtemp(join(tmpdir(), 'tracing-bundle-'));
    const bundlePath = join(bundleDir, 'workflow-bundle.js');
    await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      'scripts/bundle-workflows.ts',
      bundlePath,
    ]);
    receiver = await startOtlpReceiver();
    p = await startPipeline({
      fileTag: 'tracing',
      database: 'postgres',
      simulator: { submittedMs: 100, processingMs: 500 },
    });
    worker = await startWorkerProcess(p, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer ${collectorToken}`,
      OTEL_SERVICE_NAME: 'kling-video-worker-test',
      WORKFLOW_BUNDLE_PATH: bundlePath,
      // A configured secret of another feature: it must not leak into spans either.
      KLING_CALLBACK_SECRET: callbackSecret,
      KLING_CALLBACK_LISTEN: '127.0.0.1:0',
    });
    // The orchestrator's side: its own tracer provider, the same collector.
    tracing = startTracing(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'portal' }).tracing,
    );
  });
  afterAll(async () => {
    worker?.kill();
    await tracing?.shutdown();
    await p?.close();
    await receiver?.close();
    await rm(bundleDir, { recursive: true, force: true });
  });

  it('is one trace: client → workflow → activities → Kling requests, with no secret and no prompt', async () => {
    const client = new Client({
      connection: p.temporal.connection,
      namespace: p.temporal.namespace,
      interceptors: { workflow: tracing.clientInterceptors },
    });
    const handle = await client.workflow.start<typeof klingVideo>(JOB_WORKFLOW, {
      taskQueue: p.temporal.taskQueue,
      workflowId: `job-traced-${randomBytes(6).toString('hex')}`,
      args: [{ model_name: 'kling-v2-6', prompt, duration: 5, mode: 'pro', generateAudio: true }],
    });
    const result = await handle.result();
    // Both sides export what they still hold when they stop: the worker drains on SIGTERM.
    await tracing.shutdown();
    expect(await worker?.stop()).toBe(0);
    worker = undefined;

    const jobId = handle.workflowId;
    const ofJob = receiver.spans.filter((span) => span.attributes.temporalWorkflowId === jobId);
    const traceIds = new Set(ofJob.map((span) => span.traceId));
    expect(traceIds.size).toBe(1);
    const [traceId] = traceIds;
    const spans = receiver.spans.filter((span) => span.traceId === traceId);
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const parentOf = (span: ReceivedSpan) => byId.get(span.parentSpanId);
    const names = (list: readonly ReceivedSpan[]) => list.map((span) => span.name);

    // One root — the client's start — and every other span hangs from a span of the same trace.
    const roots = spans.filter((span) => span.parentSpanId === '');
    expect(names(roots)).toStrictEqual([`StartWorkflow:${JOB_WORKFLOW}`]);
    expect(roots[0]?.resource['service.name']).toBe('portal');
    for (const span of spans) if (span.parentSpanId !== '') expect(parentOf(span), span.name).toBeDefined();

    const run = spans.find((span) => span.name === `RunWorkflow:${JOB_WORKFLOW}`);
    expect(parentOf(run ?? expect.unreachable('no workflow span'))?.name).toBe(
      `StartWorkflow:${JOB_WORKFLOW}`,
    );
    expect(run?.resource['service.name']).toBe('kling-video-worker-test');

    // Each activity run hangs from the workflow's span that scheduled it, which hangs from the workflow run.
    // The job's steps: accept and settle (check, bill, finish) run as local activities, the create as a remote one.
    const activities = spans.filter((span) => span.name.startsWith('RunActivity:'));
    expect(new Set(names(activities))).toStrictEqual(
      new Set(['RunActivity:acceptJob', 'RunActivity:submitTask', 'RunActivity:settleJob']),
    );
    for (const activity of activities) {
      const scheduled = parentOf(activity);
      expect(scheduled?.name).toBe(activity.name.replace('RunActivity:', 'StartActivity:'));
      expect(parentOf(scheduled ?? expect.unreachable())?.name).toBe(`RunWorkflow:${JOB_WORKFLOW}`);
    }

    // Kling requests: children of the activity that made them, named by route template, with method and codes.
    const kling = spans.filter((span) => span.attributes['http.route'] !== undefined);
    const create = kling.find((span) => span.name === 'POST /v1/videos/text2video');
    expect(create?.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': 'POST /v1/videos/text2video',
      'http.response.status_code': '200',
      'kling.code': '0',
    });
    // The task's status was read by the account's sweep (a trace of its own), which recorded how it ended before
    // it woke the job: the job settled on that, so its trace holds the create alone.
    expect(names(kling)).toStrictEqual(['POST /v1/videos/text2video']);
    for (const span of kling) expect(parentOf(span)?.name, span.name).toMatch(/^RunActivity:/);
    expect(new Set(kling.map((span) => span.traceId))).toStrictEqual(traceIds);

    // Nothing a span carries holds a secret, the prompt, or a URL with the task's id.
    const { accessKey, secretKey } = p.simulator.credentials;
    const forbidden = [collectorToken, callbackSecret, accessKey, secretKey, prompt, result.klingTaskId];
    const password = new URL(p.databaseUrl ?? 'postgres://x').password;
    if (password !== '') forbidden.push(password);
    for (const span of receiver.spans) {
      for (const text of textsOf(span)) {
        for (const value of forbidden) expect(text, `${span.name}: ${text}`).not.toContain(value);
      }
    }
    // The collector got its token, as a header, not as data.
    expect(receiver.requests.some((headers) => headers.authorization === `Bearer ${collectorToken}`)).toBe(
      true,
    );
  });
});
