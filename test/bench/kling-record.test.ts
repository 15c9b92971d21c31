import { describe, expect, test } from 'vitest';
import { completionOverheads, klingRequests, terminalTimes } from '../../bench/kling-record.js';
import { createCounters, countRequest } from '../../src/kling/simulator/counters.js';
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
