// Real jobs against Kling as documented: a real dev server, a real worker (Worker.create with the real activities
// and the production workflow bundle) and a real store, in front of a small stand-in Kling written here from the
// contract fixtures (test/fixtures/kling) — not our simulator. It answers only the shapes kling-api.md shows:
// a create without task_result or task_status_msg, a pending query without task_result.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities/index.js';
import { defaultRateCard, snapshotRateCard } from '../../src/domain/rate-card.js';
import { taskSweepWorkflowId } from '../../src/definitions/sweep.js';
import { startTaskSweep } from '../../src/temporal/task-sweep.js';
import { createKlingClient } from '../../src/kling/client.js';
import type { JobStore } from '../../src/store/job-store.js';
import { openStore } from '../../src/store/open-store.js';
import { JOB_WORKFLOW, jobStatusQuery } from '../../src/definitions/job.js';
import type { klingVideo } from '../../src/workflows/kling-video.js';
import { fixtures, taskDataOf } from '../kling/fixtures.js';
import { eventually } from '../support/eventually.js';
import { workflowsPath } from '../support/pipeline.js';
import { connectTemporal, workflowBundle, type TemporalTestContext } from '../support/temporal.js';

/** One task of the stand-in: what Kling would report for it, driven by the test. */
interface StandInTask {
  readonly taskId: string;
  readonly family: string;
  readonly externalTaskId: string;
  readonly body: Record<string, unknown>;
  outcome: 'pending' | 'succeed' | 'failed';
}

/** A Kling that knows only the fixtures: ids and timestamps change, keys never do. */
class StandInKling {
  readonly tasks: StandInTask[] = [];
  /** Every request, as `METHOD path`. */
  readonly requests: string[] = [];
  /** Error codes answered, in order, to the next creates; `accepted-5002` creates the task first. */
  readonly createFaults: (number | 'accepted-5002')[] = [];
  #server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((request, response) => {
      void readBody(request).then((raw) => {
        const { httpStatus, body } = this.#answer(request.method ?? 'GET', request.url ?? '/', raw);
        response.writeHead(httpStatus, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()) ?? resolve());
  }

  creates(externalTaskId: string): number {
    return this.requests.filter((line) => line.startsWith('POST ') && line.endsWith(`#${externalTaskId}`))
      .length;
  }

  /** Lookups by external id (polls go by task id). */
  lookups(externalTaskId: string): number {
    return this.requests.filter((line) => line.startsWith('GET ') && line.endsWith(`/${externalTaskId}`))
      .length;
  }

  task(externalTaskId: string): StandInTask | undefined {
    return this.tasks.find((task) => task.externalTaskId === externalTaskId);
  }

  #answer(method: string, url: string, raw: string): { httpStatus: number; body: unknown } {
    const match = /^\/v1\/videos\/([a-z0-9-]+)(?:\/([^/?]+))?/.exec(url);
    if (match === null) return errorAnswer(1203);
    const [, family, id] = match as unknown as [string, string, string | undefined];
    if (method === 'POST' && id === undefined) {
      const body = JSON.parse(raw) as Record<string, unknown>;
      const externalTaskId = String(body['external_task_id']);
      this.requests.push(`POST ${url}#${externalTaskId}`);
      const fault = this.createFaults.shift();
      if (typeof fault === 'number') return errorAnswer(fault);
      const task: StandInTask = {
        taskId: String(866889456698785798n + BigInt(this.tasks.length + 1)),
        family,
        externalTaskId,
        body,
        outcome: 'pending',
      };
      this.tasks.push(task);
      if (fault === 'accepted-5002') return errorAnswer(5002);
      const answer = fixtures.answer('create');
      const data = {
        ...taskDataOf('create'),
        task_id: task.taskId,
        task_info: { external_task_id: externalTaskId },
      };
      return { httpStatus: answer.httpStatus, body: { ...answer.body, data } };
    }
    this.requests.push(`${method} ${url}`);
    const task = this.tasks.find(
      (candidate) =>
        candidate.family === family && (candidate.taskId === id || candidate.externalTaskId === id),
    );
    if (method !== 'GET' || task === undefined) return errorAnswer(1203);
    const kind =
      task.outcome === 'succeed'
        ? 'query-succeed'
        : task.outcome === 'failed'
          ? 'query-failed'
          : 'query-pending';
    const fixture = fixtures.answer(kind);
    const data: Record<string, unknown> = {
      ...taskDataOf(kind),
      task_id: task.taskId,
      task_info: { external_task_id: task.externalTaskId },
    };
    if (task.outcome === 'succeed') {
      const [video] = (taskDataOf('query-succeed')['task_result'] as { videos: Record<string, string>[] })
        .videos;
      data['task_result'] = { videos: [{ ...video, id: `video-${task.taskId}` }] };
    }
    return { httpStatus: fixture.httpStatus, body: { ...fixture.body, data } };
  }
}

function errorAnswer(code: number): { httpStatus: number; body: unknown } {
  return fixtures.errors().find((answer) => answer.body.code === code)!;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

let temporal: TemporalTestContext;
let store: JobStore;
let kling: StandInKling;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  temporal = await connectTemporal('kling-documented');
  store = await openStore({ dataDir: 'memory://' });
  kling = new StandInKling();
  await kling.start();
  const activities = createActivities({
    store,
    kling: createKlingClient({ baseUrl: kling.url, auth: { apiKey: 'stand-in-key' }, timeoutMs: 5_000 }),
    rateCard: snapshotRateCard(defaultRateCard),
    wait: { pollIntervalMs: 200, budgetMs: 120_000, fallbackCheckMs: 60_000 },
    now: () => new Date(),
    temporal: temporal.client,
  });
  worker = await Worker.create({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    workflowBundle: await workflowBundle(workflowsPath),
    activities,
  });
  running = worker.run();
  // The account's task sweep wakes the jobs; with one job waiting at a time it reads that task by id, a documented
  // answer the stand-in serves.
  await startTaskSweep(temporal.client, temporal.taskQueue);
});

afterAll(async () => {
  await temporal?.client.workflow
    .getHandle(taskSweepWorkflowId(temporal.taskQueue))
    .terminate('test over')
    .catch(() => undefined);
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await store?.close();
  await kling?.close();
  await temporal?.close();
});

function startJob(payload: unknown): Promise<WorkflowHandle<typeof klingVideo>> {
  return temporal.client.workflow.start<typeof klingVideo>(JOB_WORKFLOW, {
    taskQueue: temporal.taskQueue,
    workflowId: `job-${randomUUID()}`,
    args: [payload],
  });
}

/**
 * The attempt on which the job's normal submitTask activity completed, from the workflow history; 0 when there is
 * none because the local attempt in the accepting workflow task created the task.
 */
async function submitAttempt(handle: WorkflowHandle): Promise<number> {
  const { events } = await handle.fetchHistory();
  const scheduled = events?.find(
    (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'submitTask',
  );
  const started = events?.find(
    (event) =>
      event.activityTaskStartedEventAttributes?.scheduledEventId?.toString() ===
      scheduled?.eventId?.toString(),
  );
  return started?.activityTaskStartedEventAttributes?.attempt ?? 0;
}

async function waitingWithTask(handle: WorkflowHandle<typeof klingVideo>): Promise<string> {
  return eventually(
    async () => {
      const status = await handle.query(jobStatusQuery);
      return status.phase === 'waiting' && status.klingTaskId !== undefined ? status.klingTaskId : undefined;
    },
    `job ${handle.workflowId} waiting with its Kling task id`,
    60_000,
  );
}

const seedPayload = {
  model_name: 'kling-v2-6',
  prompt: 'A neon-lit drive through a rainy cyberpunk city',
  duration: 5,
  mode: 'pro',
  generateAudio: true,
};

describe('a job against documented answers', () => {
  it('waits with its Kling task id after one create by the local attempt, then succeeds with the right bill', async () => {
    const handle = await startJob(seedPayload);
    const taskId = await waitingWithTask(handle);
    const task = kling.task(handle.workflowId)!;
    expect(task.taskId).toBe(taskId);
    expect(kling.creates(handle.workflowId)).toBe(1);
    expect(kling.lookups(handle.workflowId)).toBe(0);
    expect(await submitAttempt(handle)).toBe(0);
    expect(task.body).toMatchObject({ model_name: 'kling-v2-6', duration: '5', sound: 'on', mode: 'pro' });

    task.outcome = 'succeed';
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'succeed', klingTaskId: taskId });
    expect(result.videos).toEqual([
      { id: `video-${taskId}`, url: expect.any(String) as unknown, duration: '5.04' },
    ]);
    expect(result.bill).toMatchObject({
      costUsd: '0.60',
      amountCents: 60,
      billedSeconds: 5,
      inputType: 'text',
    });
    expect(await store.getBillLine(handle.workflowId)).toEqual(result.bill);
    expect(kling.creates(handle.workflowId)).toBe(1);
  });

  it('a failed task fails the job with Kling’s task_status_msg, unbilled', async () => {
    const handle = await startJob({ ...seedPayload, duration: 10 });
    await waitingWithTask(handle);
    kling.task(handle.workflowId)!.outcome = 'failed';
    const error = await handle.result().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('KlingTaskFailed');
    expect(cause.message).toContain(String(taskDataOf('query-failed')['task_status_msg']));
    expect(await store.getBillLine(handle.workflowId)).toBeUndefined();
  });
});

describe('requests per submit', () => {
  it('a create refused with 1303 made nothing: the retries create again with no lookup', async () => {
    kling.createFaults.push(1303, 1303);
    const handle = await startJob(seedPayload);
    await waitingWithTask(handle);
    // The local attempt (1303), then the activity's first (1303) and second.
    expect(kling.creates(handle.workflowId)).toBe(3);
    expect(kling.lookups(handle.workflowId)).toBe(0);
    expect(await submitAttempt(handle)).toBe(2);
    kling.task(handle.workflowId)!.outcome = 'succeed';
    expect((await handle.result()).bill.costUsd).toBe('0.60');
  });

  it('a create answered 5002 may have landed: one lookup at once, and the next attempt looks up first', async () => {
    kling.createFaults.push(5002);
    const handle = await startJob(seedPayload);
    await waitingWithTask(handle);
    // The local attempt: create (5002), lookup (none). The activity's first attempt: lookup (none), create.
    expect(kling.creates(handle.workflowId)).toBe(2);
    expect(kling.lookups(handle.workflowId)).toBe(2);
    expect(kling.tasks.filter((task) => task.externalTaskId === handle.workflowId)).toHaveLength(1);
    kling.task(handle.workflowId)!.outcome = 'succeed';
    await handle.result();
  });

  it('a create accepted but answered 5002 is found by the lookup: one task, no second create', async () => {
    kling.createFaults.push('accepted-5002');
    const handle = await startJob(seedPayload);
    await waitingWithTask(handle);
    expect(kling.creates(handle.workflowId)).toBe(1);
    expect(kling.lookups(handle.workflowId)).toBe(1);
    expect(await submitAttempt(handle)).toBe(0);
    kling.task(handle.workflowId)!.outcome = 'succeed';
    await handle.result();
  });
});

describe('a video extension', () => {
  async function finished(payload: unknown): Promise<string> {
    const handle = await startJob(payload);
    await waitingWithTask(handle);
    kling.task(handle.workflowId)!.outcome = 'succeed';
    const [video] = (await handle.result()).videos;
    return video!.id;
  }

  it('of a v1.x video this worker made is made and billed with the source job’s model and mode', async () => {
    const videoId = await finished({ model_name: 'kling-v1-6', prompt: 'a lighthouse', mode: 'pro' });
    const handle = await startJob({
      model_name: 'kling-v1-6',
      prompt: 'the beam sweeps on',
      video_id: videoId,
    });
    await waitingWithTask(handle);
    expect(kling.task(handle.workflowId)?.body).toStrictEqual({
      video_id: videoId,
      prompt: 'the beam sweeps on',
      external_task_id: handle.workflowId,
    });
    kling.task(handle.workflowId)!.outcome = 'succeed';
    // 5 s × pro 0.12 × video 1.25 × kling-v1-6 1.0
    expect((await handle.result()).bill).toMatchObject({ mode: 'pro', model: 'kling-v1-6', costUsd: '0.75' });
  });

  it('of a video made by kling-v3 is refused before anything is submitted, naming video_id', async () => {
    const videoId = await finished({ model_name: 'kling-v3', prompt: 'paper boats', mode: 'std' });
    const handle = await startJob({ model_name: 'kling-v1-6', prompt: 'and on', video_id: videoId });
    const error = await handle.result().catch((caught: unknown) => caught);
    const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('InvalidRequest');
    expect(cause.message).toMatch(
      /video_id: video .* was made by kling-v3 \(job .*\); Kling extends only videos made by v1\.x models/,
    );
    expect(kling.creates(handle.workflowId)).toBe(0);
  });
});
