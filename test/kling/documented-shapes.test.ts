// Kling as documented: the contract fixtures (test/fixtures/kling, transcribed from kling-api.md) parse with the
// client's schemas, the client reads them over HTTP from a stand-in that answers nothing else, and every answer
// the simulator gives has exactly the keys of the fixture of its kind — no more, no fewer.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { familyPath } from '../../src/domain/family.js';
import { createKlingClient } from '../../src/kling/client.js';
import { KlingError, klingErrorTable } from '../../src/kling/errors.js';
import { startSimulator, type Simulator } from '../../src/kling/simulator/simulator.js';
import {
  KlingEnvelope,
  KlingTaskData,
  KlingTaskList,
  parseTaskCallback,
  toKlingTask,
} from '../../src/kling/task.js';
import { fixtures, queryKindOf, shapeOf, taskDataOf, type AnswerKind } from './fixtures.js';
import { bodies } from './support.js';

const answerKinds: AnswerKind[] = ['create', 'query-pending', 'query-succeed', 'query-failed', 'list'];

describe('the fixtures parse with the client’s schemas', () => {
  it.each(answerKinds)('%s names its section of kling-api.md and is a Kling envelope', (kind) => {
    const fixture = fixtures.answer(kind);
    expect(fixture.section).toMatch(/^kling-api\.md § (Legacy: create|Legacy: query)/);
    expect(KlingEnvelope.parse(fixture.body)).toMatchObject({ code: 0, message: 'SUCCEED' });
  });

  it('a create answer with only the documented create fields (no task_result, no task_status_msg)', () => {
    const data = taskDataOf('create');
    expect(Object.keys(data).sort()).toEqual(
      ['created_at', 'task_id', 'task_info', 'task_status', 'updated_at'].sort(),
    );
    expect(toKlingTask(KlingTaskData.parse(data))).toStrictEqual({
      taskId: '866889456698785798',
      status: 'submitted',
      statusMessage: '',
      externalTaskId: 'job-8812',
      videos: [],
      createdAt: 1774711071284,
      updatedAt: 1774711071284,
    });
  });

  it('queries: pending without task_result, succeed with its videos, failed with its reason', () => {
    const task = (kind: Exclude<AnswerKind, 'list' | 'create'>) =>
      toKlingTask(KlingTaskData.parse(taskDataOf(kind)));
    expect(task('query-pending')).toMatchObject({ status: 'processing', videos: [] });
    expect(task('query-succeed')).toMatchObject({
      status: 'succeed',
      videos: [{ id: '866889457008160810', duration: '5.04' }],
    });
    // The older reading (an empty task_result before success) parses the same.
    const older = { ...taskDataOf('query-pending'), task_result: {} };
    expect(toKlingTask(KlingTaskData.parse(older))).toStrictEqual(task('query-pending'));
    expect(task('query-failed')).toMatchObject({
      status: 'failed',
      statusMessage: 'Failure to pass the risk control system',
      videos: [],
    });
  });

  it('a list: an array of task objects, task_info {} when no external id was sent', () => {
    const list = KlingTaskList.parse(fixtures.answer('list').body['data']).map(toKlingTask);
    expect(list.map((task) => [task.status, task.externalTaskId])).toEqual([
      ['processing', undefined],
      ['succeed', 'job-8812'],
    ]);
  });

  it('every error code of the table: an envelope without data, at the HTTP status the client classifies', () => {
    const answers = fixtures.errors();
    expect(answers.map((answer) => answer.body.code).sort()).toEqual(
      Object.keys(klingErrorTable).map(Number).sort(),
    );
    for (const { httpStatus, body } of answers) {
      expect(Object.keys(KlingEnvelope.parse(body)).sort()).toEqual(['code', 'message', 'request_id']);
      expect(klingErrorTable[body.code]?.httpStatus).toBe(httpStatus);
    }
  });

  it('callbacks: the legacy bare task object and the new-standard ones become the same internal task', () => {
    const legacy = parseTaskCallback(fixtures.callback('callback-legacy').body);
    const newShape = parseTaskCallback(fixtures.callback('callback-new-succeeded').body);
    expect(newShape).toStrictEqual(legacy);
    expect(parseTaskCallback(fixtures.callback('callback-new-console-test').body)).toStrictEqual({
      taskId: '1234567890',
      status: 'submitted',
      statusMessage: '',
      videos: [],
      createdAt: 1781080778802,
      updatedAt: 1781080778802,
    });
    expect(() => parseTaskCallback({ id: 'x', status: 'done', create_time: 1, update_time: 1 })).toThrow();
  });
});

describe('the client against a stand-in that answers only the fixtures', () => {
  let server: Server;
  let baseUrl = '';
  const seen: string[] = [];
  /** What the next request is answered, by `METHOD path`. */
  const answers = new Map<string, { httpStatus: number; body: unknown }>();

  beforeAll(async () => {
    server = createServer((request, response) => {
      const key = `${request.method} ${request.url}`;
      seen.push(key);
      const answer = answers.get(key) ?? fixtures.errors().find((entry) => entry.body.code === 1203)!;
      response.writeHead(answer.httpStatus, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const client = () => createKlingClient({ baseUrl, auth: { apiKey: 'stand-in-key' } });
  const path = familyPath.text2video;

  it('creates, then reads the task pending, succeeded and failed, with no parsing error', async () => {
    answers.set(`POST ${path}`, fixtures.answer('create'));
    const created = await client().createTask('text2video', bodies.text2video, 'job-8812');
    expect(created).toMatchObject({ taskId: '866889456698785798', status: 'submitted', videos: [] });
    for (const kind of ['query-pending', 'query-succeed', 'query-failed'] as const) {
      answers.set(`GET ${path}/866889456698785798`, fixtures.answer(kind));
      const task = await client().getTask('text2video', '866889456698785798');
      expect(task.status).toBe((taskDataOf(kind) as { task_status: string }).task_status);
    }
  });

  it('looks a task up the documented way: GET <family>/{external_task_id}; 1203 means none', async () => {
    seen.length = 0;
    answers.set(`GET ${path}/job-8812`, fixtures.answer('query-pending'));
    expect(await client().findTaskByExternalId('text2video', 'job-8812')).toMatchObject({
      taskId: '866889456698785798',
      externalTaskId: 'job-8812',
    });
    expect(await client().findTaskByExternalId('text2video', 'job-other')).toBeNull();
    expect(seen).toEqual([`GET ${path}/job-8812`, `GET ${path}/job-other`]);
  });

  it('reads every error envelope as a KlingError with its code, HTTP status and class', async () => {
    for (const answer of fixtures.errors()) {
      answers.set(`GET ${path}/t-1`, answer);
      const error = await client()
        .getTask('text2video', 't-1')
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(KlingError);
      expect(error).toMatchObject({ code: answer.body.code, httpStatus: answer.httpStatus });
      const expected = klingErrorTable[answer.body.code]!.kind;
      expect((error as KlingError).kind).toBe(expected === 'reauth' ? 'fatal' : expected);
    }
  });
});

describe('the simulator answers with exactly the fixtures’ keys', () => {
  let simulator: Simulator;
  beforeAll(async () => {
    // The first task stays submitted for the whole file; later ones end at once (delays are drawn at creation).
    simulator = await startSimulator({ seed: 5, jitter: 0, timeScale: 1, submittedMs: 600_000 });
  });
  afterAll(() => simulator.close());

  const call = async (method: 'GET' | 'POST' | 'PUT', target: string, body?: unknown) => {
    const response = await fetch(`${simulator.url}${target}`, {
      method,
      headers: {
        authorization: `Bearer ${simulator.credentials.apiKey}`,
        'content-type': 'application/json',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { httpStatus: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const expectShape = (answer: unknown, fixture: unknown) =>
    expect(shapeOf(answer)).toStrictEqual(shapeOf(fixture));

  it('the comparison fails when an answer gains or loses a field at any depth', () => {
    const fixture = fixtures.answer('query-succeed').body;
    const data = fixture['data'] as Record<string, unknown>;
    const gained = { ...fixture, data: { ...data, task_result: { videos: [], extra: 1 } } };
    const lost = { ...fixture, data: { ...data, task_status_msg: undefined } };
    expect(shapeOf(gained)).not.toStrictEqual(shapeOf(fixture));
    expect(shapeOf(JSON.parse(JSON.stringify(lost)))).not.toStrictEqual(shapeOf(fixture));
    expect(shapeOf({ ...fixture, data: { ...data, created_at: '1' } })).not.toStrictEqual(shapeOf(fixture));
  });

  it('create, then query while pending, after success, after failure, and list', async () => {
    const path = familyPath.text2video;
    const created = await call('POST', path, { ...bodies.text2video, external_task_id: 'job-shape-1' });
    expect(created.httpStatus).toBe(fixtures.answer('create').httpStatus);
    expectShape(created.body, fixtures.answer('create').body);

    const taskId = (created.body['data'] as { task_id: string }).task_id;
    const pending = await call('GET', `${path}/${taskId}`);
    expectShape(pending.body, fixtures.answer('query-pending').body);

    simulator.setFaults({ submittedMs: 0, processingMs: 0 });
    simulator.setFaults({ failTasks: 1 });
    const failedTask = await call('POST', path, { ...bodies.text2video, external_task_id: 'job-shape-2' });
    const failedId = (failedTask.body['data'] as { task_id: string }).task_id;
    const ended = async (id: string) => {
      for (;;) {
        const answer = await call('GET', `${path}/${id}`);
        const status = (answer.body['data'] as { task_status: string }).task_status;
        if (status === 'succeed' || status === 'failed') return answer;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const failed = await ended(failedId);
    expectShape(failed.body, fixtures.answer('query-failed').body);

    const succeededTask = await call('POST', path, { ...bodies.text2video, external_task_id: 'job-shape-3' });
    const succeeded = await ended((succeededTask.body['data'] as { task_id: string }).task_id);
    expectShape(succeeded.body, fixtures.answer('query-succeed').body);

    const list = await call('GET', `${path}?pageNum=1&pageSize=30`);
    const { data: entries, ...envelope } = list.body;
    const { data: _fixtureEntries, ...fixtureEnvelope } = fixtures.answer('list').body;
    expectShape(envelope, fixtureEnvelope);
    const statuses = (entries as { task_status: string }[]).map((entry) => entry.task_status);
    expect(statuses).toEqual(expect.arrayContaining(['submitted', 'failed', 'succeed']));
    for (const entry of entries as { task_status: string }[]) {
      expectShape(entry, taskDataOf(queryKindOf(entry.task_status)));
    }
  });

  it('every error code, at the fixture’s HTTP status with the fixture’s keys', async () => {
    for (const fixture of fixtures.errors()) {
      simulator.setFaults({ createErrors: [fixture.body.code] });
      const answer = await call('POST', familyPath.text2video, bodies.text2video);
      expect({ code: answer.body['code'], httpStatus: answer.httpStatus }).toEqual({
        code: fixture.body.code,
        httpStatus: fixture.httpStatus,
      });
      expectShape(answer.body, fixture.body);
    }
    // And the ones it reaches by itself: a refused body, an unknown task, a method, a missing header.
    const byCode = (code: number) => fixtures.errors().find((entry) => entry.body.code === code)!;
    const refused = await call('POST', familyPath.text2video, { ...bodies.text2video, duration: '7' });
    const unknown = await call('GET', `${familyPath.text2video}/no-such-task`);
    const method = await call('PUT', `${familyPath.text2video}/no-such-task`);
    const anonymous = await fetch(`${simulator.url}${familyPath.text2video}/x`);
    for (const [answer, code] of [
      [refused, 1201],
      [unknown, 1203],
      [method, 1202],
      [{ httpStatus: anonymous.status, body: (await anonymous.json()) as Record<string, unknown> }, 1001],
    ] as const) {
      expect(answer.httpStatus).toBe(byCode(code).httpStatus);
      expect(answer.body['code']).toBe(code);
      expectShape(answer.body, byCode(code).body);
    }
  });
});
