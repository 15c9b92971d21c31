// A create whose outcome the client cannot know (connection dropped after Kling accepted it, 5xx after
// accepting, timeout) must never become two paid tasks: the client finds the task by external_task_id.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKlingClient, type KlingClient } from '../../src/kling/client.js';
import { KlingError } from '../../src/kling/errors.js';
import { startSimulator, type Simulator } from '../../src/kling/simulator/simulator.js';
import { bodies, FAST, jwtAuth } from './support.js';

let simulator: Simulator;
let client: KlingClient;

beforeEach(async () => {
  simulator = await startSimulator({ ...FAST, seed: 11 });
  client = createKlingClient({ baseUrl: simulator.url, auth: jwtAuth(simulator) });
});
afterEach(() => simulator.close());

const creates = () => simulator.counters().requests['POST /v1/videos/text2video'] ?? {};

describe('accepted, then the connection drops', () => {
  it('createTask reports a retryable, ambiguous KlingError while the task exists', async () => {
    simulator.setFaults({ dropCreates: 1 });
    const error = await client
      .createTask('text2video', bodies.text2video, 'job-drop-1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KlingError);
    expect(error).toMatchObject({ httpStatus: null, code: null, kind: 'retryable', ambiguous: true });
    expect(simulator.counters().tasksCreated).toBe(1);
  });

  it('submitTask recovers the task by external_task_id: exactly one task, one create', async () => {
    simulator.setFaults({ dropCreates: 1 });
    const task = await client.submitTask('text2video', bodies.text2video, 'job-drop-2');
    expect(task.externalTaskId).toBe('job-drop-2');
    const counters = simulator.counters();
    expect(counters.tasksCreated).toBe(1);
    expect(simulator.tasks().map((entry) => entry.taskId)).toEqual([task.taskId]);
    expect(creates()).toStrictEqual({ dropped: 1 });

    // A retried activity calls submitTask again: it finds the task and creates nothing.
    expect((await client.submitTask('text2video', bodies.text2video, 'job-drop-2')).taskId).toBe(task.taskId);
    expect(simulator.counters().tasksCreated).toBe(1);
    expect(creates()).toStrictEqual({ dropped: 1 });
  });
});

describe('5002 answered after accepting', () => {
  it('submitTask returns the accepted task instead of creating a second one', async () => {
    simulator.setFaults({ acceptedCreateErrors: [5002] });
    const task = await client.submitTask('text2video', bodies.text2video, 'job-5002-accepted');
    expect(task.externalTaskId).toBe('job-5002-accepted');
    expect(simulator.counters().tasksCreated).toBe(1);
    expect(creates()).toStrictEqual({ '504': 1 });
  });
});

describe('5002 answered without accepting', () => {
  it('submitTask throws a retryable ambiguous error; the retry creates the one task', async () => {
    simulator.setFaults({ createErrors: [5002] });
    await expect(client.submitTask('text2video', bodies.text2video, 'job-5002-lost')).rejects.toMatchObject({
      name: 'KlingError',
      code: 5002,
      kind: 'retryable',
      ambiguous: true,
    });
    expect(simulator.counters().tasksCreated).toBe(0);
    const task = await client.submitTask('text2video', bodies.text2video, 'job-5002-lost');
    expect(task.status).toBe('submitted');
    expect(simulator.counters().tasksCreated).toBe(1);
  });
});

describe('the answer comes after the client gave up', () => {
  it('a timed-out create is ambiguous, and the task is then found rather than created again', async () => {
    simulator.setFaults({ latencyMs: 500 });
    const impatient = createKlingClient({ baseUrl: simulator.url, auth: jwtAuth(simulator), timeoutMs: 100 });
    const error = await impatient
      .createTask('text2video', bodies.text2video, 'job-timeout')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'KlingError', kind: 'retryable', ambiguous: true });
    expect((error as KlingError).message).toContain('no answer within 100 ms');

    simulator.setFaults({ latencyMs: 0 });
    // The retry (with a timeout a loaded machine can meet) finds it.
    const task = await client.submitTask('text2video', bodies.text2video, 'job-timeout');
    expect(task.externalTaskId).toBe('job-timeout');
    expect(simulator.counters().tasksCreated).toBe(1);
  });
});

describe('a lookup that fails for another reason', () => {
  it('is not mistaken for "no task": the error propagates and nothing is created', async () => {
    simulator.setFaults({ queryErrors: [5001] });
    await expect(client.submitTask('text2video', bodies.text2video, 'job-lookup-down')).rejects.toMatchObject(
      {
        code: 5001,
        kind: 'retryable',
      },
    );
    expect(simulator.counters().tasksCreated).toBe(0);
  });
});

const gets = () =>
  Object.entries(simulator.counters().requests)
    .filter(([route]) => route.startsWith('GET'))
    .reduce((sum, [, byStatus]) => sum + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);

describe('an attempt that knows no earlier create may have landed (mayExist: false)', () => {
  it('creates with no lookup at all', async () => {
    const task = await client.submitTask('text2video', bodies.text2video, 'job-fresh', { mayExist: false });
    expect(task.externalTaskId).toBe('job-fresh');
    expect(gets()).toBe(0);
    expect(creates()).toStrictEqual({ '200': 1 });
  });

  it('still recovers after an accepted-then-dropped create', async () => {
    simulator.setFaults({ dropCreates: 1 });
    const task = await client.submitTask('text2video', bodies.text2video, 'job-fresh-drop', {
      mayExist: false,
    });
    expect(task.externalTaskId).toBe('job-fresh-drop');
    expect(simulator.counters().tasksCreated).toBe(1);
  });

  it('resolves a duplicate-id refusal (1201) to the task that already exists', async () => {
    const first = await client.submitTask('text2video', bodies.text2video, 'job-dup', { mayExist: false });
    const again = await client.submitTask('text2video', bodies.text2video, 'job-dup', { mayExist: false });
    expect(again.taskId).toBe(first.taskId);
    expect(simulator.counters().tasksCreated).toBe(1);
    expect(creates()).toStrictEqual({ '200': 1, '400': 1 });
  });

  it('where Kling takes a reused id (the undocumented other side), a second create makes a second task', async () => {
    simulator.setFaults({ reusedExternalId: 'create' });
    const first = await client.submitTask('text2video', bodies.text2video, 'job-reused', { mayExist: false });
    const again = await client.submitTask('text2video', bodies.text2video, 'job-reused', { mayExist: false });
    expect(again.taskId).not.toBe(first.taskId);
    expect(simulator.counters().tasksCreated).toBe(2);
    // What a submit that knows a create was sent does instead: it looks first and finds the first task.
    const looked = await client.submitTask('text2video', bodies.text2video, 'job-reused', { mayExist: true });
    expect(looked.taskId).toBe(first.taskId);
    expect(simulator.counters().tasksCreated).toBe(2);
  });

  it('answers a retryable refusal (1303) with no lookup: that create made nothing', async () => {
    simulator.setFaults({ createErrors: [1303] });
    await expect(
      client.submitTask('text2video', bodies.text2video, 'job-busy', { mayExist: false }),
    ).rejects.toMatchObject({ code: 1303, kind: 'retryable', ambiguous: false });
    expect(gets()).toBe(0);
    expect(simulator.counters().tasksCreated).toBe(0);
  });
});

describe('a final refusal, on any attempt', () => {
  it('is the answer only when no task carries the external_task_id (one documented lookup)', async () => {
    simulator.setFaults({ createErrors: [1301] });
    await expect(
      client.submitTask('text2video', bodies.text2video, 'job-refused', { mayExist: false }),
    ).rejects.toMatchObject({ code: 1301, kind: 'fatal' });
    expect(simulator.counters().requests['GET /v1/videos/text2video/{id}']).toStrictEqual({ '404': 1 });
  });

  it('gives way to the task that carries the id, whatever the code, after a lookup that found none', async () => {
    // The first lookup finds nothing; then an earlier attempt's create lands, and this create is refused.
    const first = await client.createTask('text2video', bodies.text2video, 'job-late');
    simulator.setFaults({ createErrors: [1300] });
    const task = await client.submitTask('text2video', bodies.text2video, 'job-late', { mayExist: false });
    expect(task.taskId).toBe(first.taskId);
    expect(simulator.counters().tasksCreated).toBe(1);
  });

  it('is not final while the lookup itself fails: retryable, and the refusal is named', async () => {
    simulator.setFaults({ createErrors: [1201], queryErrors: [5001] });
    const error = await client
      .submitTask('text2video', bodies.text2video, 'job-unsure', { mayExist: false })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'KlingError', kind: 'retryable', ambiguous: false, code: 5001 });
    expect((error as Error).message).toMatch(
      /code 1201 .*whether a task already carries this external_task_id is unknown/,
    );
  });
});
