// Forged callbacks never reach a job (acceptance: each is rejected with a 4xx and the job is unaffected), and a job
// whose callbacks are all lost still completes through the task sweep. The simulator signs its callbacks here, so
// the receiver requires Standard Webhooks signatures.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CALLBACK_BYTES } from '../../src/callbacks/receiver.js';
import { callbackUrl } from '../../src/callbacks/token.js';
import { toTaskData } from '../../src/kling/simulator/tasks.js';
import { signWebhook } from '../../src/kling/webhook.js';
import { jobStatusQuery, taskEndedSignal } from '../../src/definitions/job.js';
import { taskSweepWorkflowId } from '../../src/definitions/sweep.js';
import { hintedJobIds } from '../support/sweep-hints.js';
import { startJobPipeline, type JobPipeline } from '../callbacks/pipeline.js';

const payload = JSON.parse(
  await readFile(new URL('../../examples/kling-v2-6-text-audio.json', import.meta.url), 'utf8'),
) as unknown;
const webhookSecret = `whsec_${randomBytes(32).toString('base64')}`;

/** The times of the signals a workflow received, by name. */
async function signalsIn(handle: WorkflowHandle, name?: string): Promise<Date[]> {
  const { events } = await handle.fetchHistory();
  return (events ?? [])
    .filter(
      (event) =>
        event.workflowExecutionSignaledEventAttributes != null &&
        (name === undefined || event.workflowExecutionSignaledEventAttributes.signalName === name),
    )
    .map(
      (event) => new Date(Number(event.eventTime?.seconds ?? 0) * 1000 + (event.eventTime?.nanos ?? 0) / 1e6),
    );
}

describe('callbacks that must not count', () => {
  let p: JobPipeline;
  beforeAll(async () => {
    p = await startJobPipeline({
      fileTag: 'callbacks-forged',
      callbacks: { pollIntervalMs: 1_000, webhookSecret },
      // Every genuine callback is lost: only the forgeries below reach the receiver.
      simulator: { submittedMs: 200, processingMs: 4_000, callbackDropRate: 1 },
    });
    await p.startWorker();
  });
  afterAll(async () => p?.close());

  it('rejects each forgery with a 4xx; the job never hears of them and ends on its own, billed once', async () => {
    const handle = await p.startJob(payload);
    const jobId = handle.workflowId;
    let task;
    for (let i = 0; i < 100 && task?.status !== 'processing'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      task = p.simulator.tasks().find((t) => t.externalTaskId === jobId);
    }
    if (task?.status !== 'processing') throw new Error('the task never started processing');
    const url = callbackUrl(p.receiver!.url, p.secret, jobId);
    const base = url.slice(0, url.lastIndexOf('/'));
    const otherUrl = callbackUrl(p.receiver!.url, p.secret, 'job-other');
    const claim = JSON.stringify({ ...toTaskData(task), task_status: 'succeed' });
    const now = Math.floor(Date.now() / 1000);
    const signed = (body: string, key = webhookSecret, at = now) =>
      signWebhook(key, `msg_${randomBytes(8).toString('hex')}`, at, body);
    const oversized = JSON.stringify({ ...JSON.parse(claim), padding: 'x'.repeat(MAX_CALLBACK_BYTES) });

    const forgeries: [string, string, string, Record<string, string>, number][] = [
      ['no token', base, claim, { ...signed(claim) }, 404],
      ['a wrong token', `${base}/${randomBytes(32).toString('base64url')}`, claim, { ...signed(claim) }, 403],
      [
        "another job's valid token",
        `${base}${otherUrl.slice(otherUrl.lastIndexOf('/'))}`,
        claim,
        { ...signed(claim) },
        403,
      ],
      ["this task sent to another job's URL", otherUrl, claim, { ...signed(claim) }, 400],
      ['no signature', url, claim, {}, 401],
      [
        'a bad signature',
        url,
        claim,
        { ...signed(claim, `whsec_${randomBytes(32).toString('base64')}`) },
        401,
      ],
      ['a stale timestamp', url, claim, { ...signed(claim, webhookSecret, now - 600) }, 401],
      ['an oversized body', url, oversized, { ...signed(oversized) }, 413],
    ];
    for (const [what, target, body, headers, status] of forgeries) {
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      expect(response.status, what).toBe(status);
    }

    expect(await signalsIn(handle)).toEqual([]);
    expect((await handle.query(jobStatusQuery)).phase).toBe('waiting');
    expect(await p.store.getBillLine(jobId)).toBeUndefined();

    const result = await handle.result();
    expect(result.bill.costUsd).toBe('0.60');
    // Its one signal is the sweep's wake-up, after Kling's own succeed; no forgery hinted the sweep.
    const wakeUps = await signalsIn(handle);
    expect(wakeUps).toHaveLength(1);
    const succeededAt = p.simulator
      .tasks()
      .find((t) => t.externalTaskId === jobId)
      ?.transitions.find((t) => t.status === 'succeed')?.at;
    expect(wakeUps[0]!.getTime()).toBeGreaterThanOrEqual(succeededAt!);
    const sweep = p.temporal.client.workflow.getHandle(taskSweepWorkflowId(p.temporal.taskQueue));
    expect(await hintedJobIds(sweep)).toEqual([]);
    const rejected = p.receiverLog.filter((line) => line.includes('callback rejected'));
    expect(rejected).toHaveLength(forgeries.length);
  });

  it('completes every job through the task sweep when every callback is dropped', async () => {
    const before = p.simulator.counters().callbacks;
    const handles = await Promise.all(Array.from({ length: 5 }, () => p.startJob(payload)));
    const results = await Promise.all(handles.map((handle) => handle.result()));
    expect(results.map((result) => result.status)).toEqual(Array(5).fill('succeed'));
    const after = p.simulator.counters().callbacks;
    // submitted, processing and succeed: three callbacks per task, none sent.
    expect(after.dropped - before.dropped).toBe(15);
    expect(after.delivered).toBe(before.delivered);
    for (const handle of handles) expect(await signalsIn(handle, taskEndedSignal.name)).toHaveLength(1);
    const sweep = p.temporal.client.workflow.getHandle(taskSweepWorkflowId(p.temporal.taskQueue));
    expect(await hintedJobIds(sweep)).toEqual([]);
  });
});
