// Queueing at Kling's account concurrency limit through the account-slots workflow: jobs wait (phase `queued`)
// instead of collecting 1303 answers, slots come back when tasks end, and the queue survives dead holders,
// cancelled waiters and continue-as-new.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobStatusQuery, type JobPhase } from '../../src/definitions/job.js';
import type { klingVideo } from '../../src/workflows/kling-video.js';
import {
  acquireSlotSignal,
  releaseSlotSignal,
  slotsQuery,
  type SlotsState,
} from '../../src/definitions/slots.js';
import { startJobPipeline, type JobPipeline } from '../callbacks/pipeline.js';

const payload = JSON.parse(
  await readFile(new URL('../../examples/kling-v2-6-text-audio.json', import.meta.url), 'utf8'),
) as unknown;

type Job = WorkflowHandle<typeof klingVideo>;

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const phaseOf = async (job: Job): Promise<JobPhase> => (await job.query(jobStatusQuery)).phase;
const inPhase = (job: Job, phase: JobPhase) =>
  until(async () => ((await phaseOf(job)) === phase ? true : undefined), `${job.workflowId} to be ${phase}`);

function slotsOf(p: JobPipeline) {
  return p.temporal.client.workflow.getHandle(p.slots!.workflowId);
}
const slotsState = (p: JobPipeline): Promise<SlotsState> => slotsOf(p).query(slotsQuery);
/** The job shows `queued` before its request reaches the slots workflow; this waits for the request too. */
const queuedAt = (p: JobPipeline, job: Job) =>
  until(
    async () => ((await slotsState(p)).waiting.includes(job.workflowId) ? true : undefined),
    `${job.workflowId} to be in the queue`,
  );

function codeCount(p: JobPipeline, code: number): number {
  return Object.values(p.simulator.counters().codes).reduce(
    (sum, byCode) => sum + (byCode[String(code)] ?? 0),
    0,
  );
}

describe('50 jobs at once against an account limit of 5', () => {
  let p: JobPipeline;
  beforeAll(async () => {
    p = await startJobPipeline({
      fileTag: 'queue',
      maxConcurrentTasks: 5,
      callbacks: { pollIntervalMs: 5_000 },
      simulator: { concurrencyLimit: 5, submittedMs: 100, processingMs: 900, jitter: 0.3 },
    });
    await p.startWorker();
  });
  afterAll(async () => p?.close());

  it('all complete, Kling never sees more than 5 in flight, and 1303 is (nearly) never answered', async () => {
    const jobs = await Promise.all(Array.from({ length: 50 }, () => p.startJob(payload)));
    const last = jobs.at(-1)!;
    // The last job has 45 ahead of it: the first phase it shows after accepting is `queued`.
    const firstPhase = await until(async () => {
      const phase = await phaseOf(last);
      return phase === 'accepting' ? undefined : phase;
    }, 'the last job to be accepted');
    expect(firstPhase).toBe('queued');

    const results = await Promise.all(jobs.map((job) => job.result()));
    expect(results.filter((result) => result.status === 'succeed')).toHaveLength(50);
    const counters = p.simulator.counters();
    const rejected1303 = codeCount(p, 1303);
    process.stdout.write(
      `[queue] 50 jobs, limit 5: maxInFlight ${counters.maxInFlight}, tasks created ${counters.tasksCreated}, 1303 answers ${rejected1303}\n`,
    );
    expect(counters.maxInFlight).toBeLessThanOrEqual(5);
    expect(counters.tasksCreated).toBe(50);
    expect(rejected1303).toBeLessThanOrEqual(5);
    expect(await slotsState(p)).toEqual({ limit: 5, holders: [], waiting: [] });
  }, 240_000);
});

describe('one slot', () => {
  let p: JobPipeline;
  beforeAll(async () => {
    p = await startJobPipeline({
      fileTag: 'queue-one',
      maxConcurrentTasks: 1,
      pollIntervalMs: 1_000,
      simulator: { submittedMs: 100, processingMs: 300 },
    });
    await p.startWorker();
  });
  afterAll(async () => p?.close());

  const taskOf = (job: Job) => p.simulator.tasks().find((task) => task.externalTaskId === job.workflowId);

  it('a job that dies holding the slot gives it up: the next one runs', async () => {
    p.simulator.setFaults({ processingMs: 600_000 });
    const holder = await p.startJob(payload);
    await inPhase(holder, 'waiting');
    p.simulator.setFaults({ processingMs: 300 });
    const next = await p.startJob(payload);
    await queuedAt(p, next);
    // Terminated: no finally runs, so only the slots workflow's check of its holders can free the slot.
    await holder.terminate('simulated operator action');
    expect((await next.result()).status).toBe('succeed');
    expect((await slotsState(p)).holders).toEqual([]);
  });

  it('a job cancelled while queued leaves the queue; the others keep their order and never overlap', async () => {
    p.simulator.setFaults({ processingMs: 3_000 });
    const first = await p.startJob(payload);
    await inPhase(first, 'waiting');
    p.simulator.setFaults({ processingMs: 300 });
    const cancelled = await p.startJob(payload);
    await queuedAt(p, cancelled);
    const third = await p.startJob(payload);
    await queuedAt(p, third);
    expect(await phaseOf(third)).toBe('queued');
    expect((await slotsState(p)).waiting).toEqual([cancelled.workflowId, third.workflowId]);

    await cancelled.cancel();
    await expect(cancelled.result()).rejects.toThrow();
    expect(await phaseOf(cancelled)).toBe('cancelled');
    expect(await p.store.getJob(cancelled.workflowId)).toMatchObject({ status: 'cancelled' });
    expect((await slotsState(p)).waiting).toEqual([third.workflowId]);

    await Promise.all([first.result(), third.result()]);
    expect(taskOf(cancelled)).toBeUndefined();
    const firstEnded = taskOf(first)!.transitions.find((t) => t.status === 'succeed')!.at;
    expect(taskOf(third)!.createdAt).toBeGreaterThanOrEqual(firstEnded);
  });

  it('keeps its holders and its queue across continue-as-new; a cancelled holder frees its slot', async () => {
    p.simulator.setFaults({ processingMs: 600_000 });
    const holder = await p.startJob(payload);
    await inPhase(holder, 'waiting');
    p.simulator.setFaults({ processingMs: 300 });
    const waiter = await p.startJob(payload);
    await queuedAt(p, waiter);
    const slots = slotsOf(p);
    const { runId } = await slots.describe();
    // Requests that come and go add history without changing the state; enough of them force continue-as-new.
    for (let batch = 0; batch < 40 && (await slots.describe()).runId === runId; batch++) {
      await Promise.all(
        Array.from({ length: 25 }, async () => {
          const jobId = `passer-by-${randomUUID()}`;
          await slots.signal(acquireSlotSignal, { jobId, limit: 1 });
          await slots.signal(releaseSlotSignal, { jobId });
        }),
      );
    }
    // On a loaded machine the flood can outrun the workflow: its continue-as-new then lands a little later.
    await until(async () => ((await slots.describe()).runId !== runId ? true : undefined), 'continue-as-new');
    expect(await slotsState(p)).toEqual({
      limit: 1,
      holders: [holder.workflowId],
      waiting: [waiter.workflowId],
    });
    await holder.cancel();
    expect((await waiter.result()).status).toBe('succeed');
    expect(await phaseOf(holder)).toBe('cancelled');
    expect(await slotsState(p)).toEqual({ limit: 1, holders: [], waiting: [] });
  });
});
