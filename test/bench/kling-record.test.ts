import { describe, expect, test } from 'vitest';
import {
  completionOverheads,
  jobsWithOneTask,
  klingRequests,
  requestKind,
  requestKinds,
  requestsBetween,
  submitDelays,
  terminalTimes,
} from '../../bench/kling-record.js';
import { createKlingClient } from '../../src/kling/client.js';
import { createCounters, countRequest } from '../../src/kling/simulator/counters.js';
import { startSimulator } from '../../src/kling/simulator/simulator.js';
import type { SimulatedTask } from '../../src/kling/simulator/tasks.js';

function task(externalTaskId: string | undefined, transitions: SimulatedTask['transitions']): SimulatedTask {
  return {
    taskId: `t-${externalTaskId ?? 'none'}`,
    family: 'text2video',
    ...(externalTaskId === undefined ? {} : { externalTaskId }),
    request: {},
    dropped: [],
    model: 'kling-v2-6',
    mode: 'pro',
    requestedSeconds: 5,
    status: transitions[transitions.length - 1]!.status,
    statusMessage: '',
    transitions,
    videos: [],
    createdAt: transitions[0]!.at,
    updatedAt: transitions[transitions.length - 1]!.at,
  };
}

describe('terminalTimes', () => {
  test('the time of succeed or failed, by job id; running tasks and tasks without a job id are left out', () => {
    const times = terminalTimes([
      task('a', [
        { status: 'submitted', at: 100 },
        { status: 'processing', at: 150 },
        { status: 'succeed', at: 900 },
      ]),
      task('b', [
        { status: 'submitted', at: 200 },
        { status: 'failed', at: 700 },
      ]),
      task('c', [
        { status: 'submitted', at: 300 },
        { status: 'processing', at: 350 },
      ]),
      task(undefined, [
        { status: 'submitted', at: 300 },
        { status: 'succeed', at: 400 },
      ]),
    ]);
    expect([...times]).toEqual([
      ['a', 900],
      ['b', 700],
    ]);
  });
});

describe('completionOverheads', () => {
  test('close minus terminal transition, for jobs that have both', () => {
    const terminalAt = new Map([
      ['a', 900],
      ['b', 700],
    ]);
    const jobs = [
      { jobId: 'a', closedAt: 1_250 },
      { jobId: 'b', closedAt: undefined },
      { jobId: 'c', closedAt: 2_000 },
      { jobId: 'b', closedAt: 760 },
    ];
    expect(completionOverheads(jobs, terminalAt)).toEqual([350, 60]);
  });
});

describe('klingRequests', () => {
  test('every answer counts per job; answers other than 200 are listed by status', () => {
    const counters = createCounters();
    const create = 'POST /v1/videos/text2video';
    const query = 'GET /v1/videos/text2video/{id}';
    for (let i = 0; i < 4; i++) countRequest(counters, create, 200, 0);
    countRequest(counters, create, 429, 1303);
    countRequest(counters, create, 'dropped');
    for (let i = 0; i < 10; i++) countRequest(counters, query, 200, 0);
    const requests = klingRequests({ ...counters, inFlight: 0 }, 4);
    expect(requests.perJob).toEqual({ [create]: 1.5, [query]: 2.5 });
    expect(requests.errors).toEqual({ [create]: { '429': 1, dropped: 1 } });
  });
});

describe('requestKind', () => {
  test("the real client's routes: the create, a status query, a list page and the lookup by external id", async () => {
    const simulator = await startSimulator({ seed: 3, timeScale: 0.001, jitter: 0 });
    try {
      const routes: string[] = [];
      const client = createKlingClient({
        baseUrl: simulator.url,
        auth: { accessKey: simulator.credentials.accessKey, secretKey: simulator.credentials.secretKey },
        onRequest: ({ route }) => routes.push(route),
      });
      const body = { model_name: 'kling-v2-6', mode: 'pro', prompt: 'a fox', duration: '5' };
      const task = await client.createTask('text2video', body, 'job-1');
      await client.getTask('text2video', task.taskId);
      expect(
        (await client.listTasks('text2video', { pageNum: 1, pageSize: 500 })).map((t) => t.taskId),
      ).toEqual([task.taskId]);
      expect(await client.findTaskByExternalId('text2video', 'job-unknown')).toBeNull();
      expect(routes.map((route) => [route, requestKind(route)])).toEqual([
        ['POST /v1/videos/text2video', 'create'],
        ['GET /v1/videos/text2video/{task_id}', 'statusById'],
        ['GET /v1/videos/text2video', 'statusBatch'],
        ['GET /v1/videos/text2video/{external_task_id}', 'lookup'],
      ]);
    } finally {
      await simulator.close();
    }
  });

  test("batch reads: the list endpoint and the new API's /tasks; its batch by external ids is a lookup", () => {
    expect(requestKind('GET /v1/videos/text2video')).toBe('statusBatch');
    expect(requestKind('GET /tasks?task_ids={task_ids}')).toBe('statusBatch');
    expect(requestKind('POST /tasks')).toBe('statusBatch');
    expect(requestKind('GET /tasks?external_task_ids={external_task_ids}')).toBe('lookup');
  });
});

describe('requestKinds and requestsBetween', () => {
  test("the worker's cumulative counts, differenced, then per job by kind", () => {
    const between = requestsBetween(
      { 'POST /v1/videos/text2video': 2, 'GET /v1/videos/text2video/{task_id}': 1 },
      {
        'POST /v1/videos/text2video': 6,
        'GET /v1/videos/text2video/{task_id}': 1,
        'GET /v1/videos/text2video': 2,
        'GET /v1/videos/text2video/{external_task_id}?external_task_id=true': 1,
      },
    );
    expect(between).toEqual({
      'POST /v1/videos/text2video': 4,
      'GET /v1/videos/text2video': 2,
      'GET /v1/videos/text2video/{external_task_id}?external_task_id=true': 1,
    });
    expect(requestKinds(between, 4)).toEqual({ statusById: 0, statusBatch: 0.5, create: 1, lookup: 0.25 });
  });
});

describe('jobsWithOneTask', () => {
  test('a job with no task or with two does not count; tasks of other callers are ignored', () => {
    const done = [{ status: 'succeed' as const, at: 1 }];
    const tasks = [task('a', done), task('b', done), task('b', done), task('x', done), task(undefined, done)];
    expect(jobsWithOneTask(tasks, ['a', 'b', 'c'])).toBe(1);
  });
});

describe('submitDelays', () => {
  test("start → the job's first task created, by job id; a job without a task is left out", () => {
    const delays = submitDelays(
      [
        { jobId: 'a', startedAt: 50 },
        { jobId: 'b', startedAt: 180 },
        { jobId: 'none', startedAt: 10 },
      ],
      [
        task('a', [{ status: 'submitted', at: 100 }]),
        // A second task for the same job (a duplicate create): the first one counts.
        task('a', [{ status: 'submitted', at: 400 }]),
        task('b', [{ status: 'submitted', at: 200 }]),
        task(undefined, [{ status: 'submitted', at: 20 }]),
      ],
    );
    expect(delays).toEqual([50, 20]);
  });
});
