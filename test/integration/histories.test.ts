// Each workflow path's history: replayable, and — for the success path — the same size however many polls it
// took. With RECORD_HISTORIES=1 the histories are written to test/fixtures/histories/, which test/replay replays
// on every `npm test`, so a non-deterministic workflow change fails before it reaches a running job.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobStatusQuery } from '../../src/workflows/definitions.js';
import type { klingVideo } from '../../src/workflows/kling-video.js';
import { startJobPipeline, type JobPipeline } from '../callbacks/pipeline.js';
import { startPipeline, type Pipeline, workflowsPath } from '../support/pipeline.js';
import { workflowBundle } from '../support/temporal.js';

const fixtures = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));
const record = process.env.RECORD_HISTORIES === '1';
const textPayload = {
  model_name: 'kling-v2-6',
  prompt: 'A neon-lit drive through a rainy cyberpunk city',
  duration: 5,
  mode: 'pro',
  generateAudio: true,
};

async function settle(handle: WorkflowHandle<typeof klingVideo>): Promise<void> {
  await handle.result().catch(() => undefined);
}

async function historyOf(handle: WorkflowHandle<typeof klingVideo>, name: string) {
  const history = await handle.fetchHistory();
  // Every path must replay against today's code, recorded or not.
  await Worker.runReplayHistory(
    { workflowBundle: await workflowBundle(workflowsPath) },
    history,
    handle.workflowId,
  );
  if (record) await writeFile(`${fixtures}kling-video-${name}.json`, historyToJSON(history));
  return history;
}

describe('klingVideo histories', () => {
  let p: Pipeline;
  let checks = 0;
  beforeAll(async () => {
    // The server does not retry an activity sooner than 1 s after its last attempt (measured: 1000 ms gaps for
    // a 100 ms interval), so polls here are 1 s apart and the long job takes ~100 s.
    p = await startPipeline({
      fileTag: 'histories',
      pollIntervalMs: 1_000,
      budgetMs: 300_000,
      activities: (real) => ({
        checkTask: (ref) => {
          checks += 1;
          return real.checkTask(ref);
        },
      }),
    });
    await p.startWorker();
  });
  afterAll(async () => p?.close());

  const polls = (before: number): number => checks - before;

  it('a success history has as many events after ~100 polls as after 2', async () => {
    p.simulator.setFaults({ submittedMs: 0, processingMs: 300 });
    let before = polls(0);
    const short = await p.startJob(textPayload, 'history-success');
    await short.result();
    const shortPolls = polls(before);
    const shortEvents = (await historyOf(short, 'success')).events?.length;

    p.simulator.setFaults({ submittedMs: 0, processingMs: 99_500 });
    before = polls(0);
    const long = await p.startJob(textPayload);
    await long.result();
    const longPolls = polls(before);
    const longEvents = (await long.fetchHistory()).events?.length;

    expect(shortPolls).toBeLessThanOrEqual(2);
    expect(longPolls).toBeGreaterThanOrEqual(95);
    expect(longEvents).toBe(shortEvents);
  }, 240_000);

  it('records the Kling-failure, invalid-input and timeout paths', async () => {
    p.simulator.setFaults({ submittedMs: 0, processingMs: 300, failTasks: 1 });
    const failed = await p.startJob(textPayload, 'history-kling-failure');
    await settle(failed);
    expect((await failed.describe()).status.name).toBe('FAILED');
    await historyOf(failed, 'kling-failure');

    const invalid = await p.startJob({ ...textPayload, duration: 7 }, 'history-invalid-input');
    await settle(invalid);
    await historyOf(invalid, 'invalid-input');
  });
});

describe('klingVideo timeout history', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({
      fileTag: 'histories-timeout',
      simulator: { processingMs: 60_000 },
      budgetMs: 500,
      pollIntervalMs: 50,
    });
    await p.startWorker();
  });
  afterAll(async () => p?.close());

  it('records the timeout path', async () => {
    const handle = await p.startJob(textPayload, 'history-timeout');
    await settle(handle);
    expect((await handle.describe()).status.name).toBe('FAILED');
    await historyOf(handle, 'timeout');
  });
});

describe('klingVideo cancel history', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({
      fileTag: 'histories-cancel',
      simulator: { processingMs: 60_000 },
      pollIntervalMs: 1_000,
    });
    await p.startWorker();
  });
  afterAll(async () => p?.close());

  it('records the cancel path', async () => {
    const handle = await p.startJob(textPayload, 'history-cancel');
    for (let i = 0; i < 100 && (await handle.query(jobStatusQuery)).phase !== 'waiting'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await handle.cancel();
    await settle(handle);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    await historyOf(handle, 'cancel');
  });
});

describe('klingVideo callback history', () => {
  let p: JobPipeline;
  beforeAll(async () => {
    // A fallback poll far beyond the task's life: the job ends on the callback.
    p = await startJobPipeline({
      fileTag: 'histories-callback',
      callbacks: { pollIntervalMs: 60_000 },
      simulator: { submittedMs: 0, processingMs: 300 },
    });
    await p.startWorker();
  });
  afterAll(async () => p?.close());

  it('records the callback path: one hint, confirmed, billed', async () => {
    const handle = await p.startJob(textPayload, 'history-callback');
    await handle.result();
    const { events } = await historyOf(handle, 'callback');
    expect(events?.filter((event) => event.workflowExecutionSignaledEventAttributes != null)).toHaveLength(1);
  });
});

describe('klingVideo queued and account-slots histories', () => {
  let p: JobPipeline;
  beforeAll(async () => {
    p = await startJobPipeline({
      fileTag: 'histories-queued',
      maxConcurrentTasks: 1,
      pollIntervalMs: 1_000,
      simulator: { submittedMs: 0, processingMs: 1_500 },
    });
    await p.startWorker();
  });
  afterAll(async () => p?.close());

  it('records the queued path: a job that waits for the one slot, and the slots workflow that grants it', async () => {
    const first = await p.startJob(textPayload);
    for (let i = 0; i < 100 && (await first.query(jobStatusQuery)).phase !== 'waiting'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const queued = await p.startJob(textPayload, 'history-queued');
    await Promise.all([first.result(), queued.result()]);
    const { events } = await historyOf(queued, 'queued');
    // Granted by a signal from the slots workflow.
    expect(events?.filter((event) => event.workflowExecutionSignaledEventAttributes != null)).toHaveLength(1);

    const slots = p.temporal.client.workflow.getHandle(p.slots!.workflowId);
    const history = await slots.fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle(workflowsPath) }, history, 'slots');
    if (record) await writeFile(`${fixtures}account-slots.json`, historyToJSON(history));
  });
});
