// The client against the simulator over real HTTP, for the five families: success, failure and refusals,
// with the exact envelope shapes of kling-api.md.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { familyPath, type KlingFamily } from '../../src/domain/family.js';
import { createKlingClient, type KlingClient } from '../../src/kling/client.js';
import { KlingError } from '../../src/kling/errors.js';
import { startSimulator, type Simulator } from '../../src/kling/simulator/simulator.js';
import { anyNumber, anyString, bodies, FAST, jwtAuth, matching, rawGet, waitForEnd } from './support.js';

let simulator: Simulator;
let client: KlingClient;
let jobSerial = 0;
const nextJobId = () => `job-contract-${++jobSerial}`;

beforeAll(async () => {
  simulator = await startSimulator({ ...FAST, seed: 42 });
  client = createKlingClient({ baseUrl: simulator.url, auth: jwtAuth(simulator) });
});
afterAll(() => simulator.close());
beforeEach(() => simulator.setFaults({ failTasks: 0, createErrors: [], queryErrors: [] }));

const successEnvelope = (data: unknown) => ({
  code: 0,
  message: 'SUCCEED',
  request_id: anyString,
  data,
});
const errorEnvelope = (code: number) => ({
  code,
  message: anyString,
  request_id: anyString,
});

async function expectSuccess(family: KlingFamily, body: Record<string, unknown>, duration: string) {
  const jobId = nextJobId();
  const submitted = await client.submitTask(family, body, jobId);
  expect(submitted).toEqual({
    taskId: matching(/^\d{18}$/),
    status: 'submitted',
    statusMessage: '',
    externalTaskId: jobId,
    videos: [],
    createdAt: anyNumber,
    updatedAt: submitted.createdAt,
  });

  const done = await waitForEnd(client, family, submitted.taskId);
  expect(done.status).toBe('succeed');
  expect(done.videos).toEqual([{ id: matching(/^\d+$/), url: anyString, duration }]);
  expect(done.updatedAt).toBeGreaterThanOrEqual(done.createdAt);

  const raw = await rawGet(
    `${simulator.url}${familyPath[family]}/${submitted.taskId}`,
    simulator.credentials.apiKey,
  );
  expect(raw.status).toBe(200);
  // toStrictEqual: no extra or missing key anywhere in the envelope.
  expect(raw.body).toStrictEqual(
    successEnvelope({
      task_id: submitted.taskId,
      task_status: 'succeed',
      task_status_msg: '',
      task_info: { external_task_id: jobId },
      task_result: { videos: [{ id: done.videos[0]!.id, url: done.videos[0]!.url, duration }] },
      created_at: done.createdAt,
      updated_at: done.updatedAt,
    }),
  );

  const video = await fetch(done.videos[0]!.url);
  expect(video.status).toBe(200);
  expect(video.headers.get('content-type')).toBe('video/mp4');
  expect((await video.arrayBuffer()).byteLength).toBeGreaterThan(0);
  return done;
}

async function expectFailure(family: KlingFamily, body: Record<string, unknown>) {
  simulator.setFaults({ failTasks: 1, failureMessage: 'content review rejected the prompt' });
  const jobId = nextJobId();
  const submitted = await client.submitTask(family, body, jobId);
  const done = await waitForEnd(client, family, submitted.taskId);
  expect(done).toEqual({
    taskId: submitted.taskId,
    status: 'failed',
    statusMessage: 'content review rejected the prompt',
    externalTaskId: jobId,
    videos: [],
    createdAt: submitted.createdAt,
    updatedAt: anyNumber,
  });
  // A failed generation is still HTTP 200 with code 0 and message SUCCEED, without task_result.
  const raw = await rawGet(
    `${simulator.url}${familyPath[family]}/${submitted.taskId}`,
    simulator.credentials.apiKey,
  );
  expect(raw.status).toBe(200);
  expect(raw.body).toStrictEqual(
    successEnvelope({
      task_id: submitted.taskId,
      task_status: 'failed',
      task_status_msg: 'content review rejected the prompt',
      task_info: { external_task_id: jobId },
      created_at: done.createdAt,
      updated_at: done.updatedAt,
    }),
  );
}

async function expectRefusal(family: KlingFamily, body: Record<string, unknown>, fieldInMessage: string) {
  const created = simulator.counters().tasksCreated;
  const error = await client.createTask(family, body, nextJobId()).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(KlingError);
  expect(error).toMatchObject({ httpStatus: 400, code: 1201, kind: 'fatal', ambiguous: false });
  expect((error as KlingError).message).toContain(fieldInMessage);
  expect((error as KlingError).requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(simulator.counters().tasksCreated).toBe(created);

  const response = await fetch(`${simulator.url}${familyPath[family]}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${simulator.credentials.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(400);
  expect(await response.json()).toStrictEqual(errorEnvelope(1201));
}

describe('text2video', () => {
  it('generates a video', () => expectSuccess('text2video', bodies.text2video, '5.04'));
  it('reports a failed generation', () => expectFailure('text2video', bodies.text2video));
  it('refuses a missing prompt', () =>
    expectRefusal('text2video', { ...bodies.text2video, prompt: undefined }, 'prompt'));
  it('refuses sound in std mode on kling-v2-6', () =>
    expectRefusal('text2video', { ...bodies.text2video, mode: 'std' }, 'sound'));
  it('refuses a numeric duration', () =>
    expectRefusal('text2video', { ...bodies.text2video, duration: 5 }, 'duration'));
});

describe('image2video', () => {
  it('generates a video', () => expectSuccess('image2video', bodies.image2video, '7.04'));
  it('reports a failed generation', () => expectFailure('image2video', bodies.image2video));
  it('refuses aspect_ratio', () =>
    expectRefusal('image2video', { ...bodies.image2video, aspect_ratio: '16:9' }, 'aspect_ratio'));
  it('refuses a data: URI image', () =>
    expectRefusal('image2video', { ...bodies.image2video, image: 'data:image/png;base64,iVBOR' }, 'image'));
  it('refuses a duration outside kling-v3 (3–15)', () =>
    expectRefusal('image2video', { ...bodies.image2video, duration: '16' }, 'duration'));
});

describe('multi-image2video', () => {
  it('generates a video', () => expectSuccess('multi-image2video', bodies['multi-image2video'], '10.04'));
  it('reports a failed generation', () => expectFailure('multi-image2video', bodies['multi-image2video']));
  it('refuses a model other than kling-v1-6', () =>
    expectRefusal(
      'multi-image2video',
      { ...bodies['multi-image2video'], model_name: 'kling-v2-6' },
      'model_name',
    ));
  it('refuses five images', () =>
    expectRefusal(
      'multi-image2video',
      {
        ...bodies['multi-image2video'],
        image_list: Array.from({ length: 5 }, () => ({ image: 'https://e.x/i.png' })),
      },
      'image_list',
    ));
});

describe('omni-video', () => {
  it('generates a video', () => expectSuccess('omni-video', bodies['omni-video'], '8.04'));
  it('reports a failed generation', () => expectFailure('omni-video', bodies['omni-video']));
  it('refuses sound on kling-video-o1', () =>
    expectRefusal('omni-video', { ...bodies['omni-video'], sound: 'on' }, 'sound'));
  it('refuses sound with a reference video on kling-v3-omni', () =>
    expectRefusal(
      'omni-video',
      { ...bodies['omni-video'], model_name: 'kling-v3-omni', sound: 'on' },
      'sound',
    ));
  it('refuses two reference videos', () =>
    expectRefusal(
      'omni-video',
      {
        ...bodies['omni-video'],
        video_list: [bodies['omni-video'].video_list[0], bodies['omni-video'].video_list[0]],
      },
      'video_list',
    ));
});

describe('video-extend', () => {
  it('extends a previous v1.x output video by about 5 s, with its model and mode', async () => {
    const source = await expectSuccess('text2video', bodies.text2videoV1, '5.04');
    const extension = await expectSuccess(
      'video-extend',
      { video_id: source.videos[0]!.id, prompt: 'keep going' },
      '10.04',
    );
    expect(simulator.tasks().find((task) => task.taskId === extension.taskId)).toMatchObject({
      model: 'kling-v1-6',
      mode: 'pro',
    });
  });
  it('reports a failed generation', async () => {
    const source = await expectSuccess('text2video', bodies.text2videoV1, '5.04');
    await expectFailure('video-extend', { video_id: source.videos[0]!.id });
  });
  it('refuses an unknown video_id', () => expectRefusal('video-extend', { video_id: '123' }, 'video_id'));
  it('refuses a video made by a v2 or later model', async () => {
    const source = await expectSuccess('text2video', bodies.text2video, '5.04');
    await expectRefusal('video-extend', { video_id: source.videos[0]!.id }, 'only v1.x videos');
  });
  it('refuses a duration (video-extend takes no model, mode or duration)', async () => {
    const source = await expectSuccess('text2video', bodies.text2videoV1, '5.04');
    await expectRefusal('video-extend', { video_id: source.videos[0]!.id, duration: '5' }, 'duration');
  });
});

describe('external_task_id', () => {
  it('is found by the documented form, GET <family>/{external_task_id}, and only on its own family', async () => {
    const jobId = nextJobId();
    const task = await client.createTask('text2video', bodies.text2video, jobId);
    const path = `${simulator.url}${familyPath.text2video}`;
    const key = simulator.credentials.apiKey;
    const bare = (await rawGet(`${path}/${jobId}`, key)).body as { data: { task_id: string } };
    expect(bare.data.task_id).toBe(task.taskId);
    // The folklore filter (`?external_task_id=`) is not Kling's: the list ignores it and answers the page.
    const list = (await rawGet(`${path}?external_task_id=job-never-created`, key)).body as {
      data: { task_id: string }[];
    };
    expect(list.data.map((entry) => entry.task_id)).toContain(task.taskId);

    expect((await client.findTaskByExternalId('text2video', jobId))?.taskId).toBe(task.taskId);
    expect(await client.findTaskByExternalId('image2video', jobId)).toBeNull();
    expect(await client.findTaskByExternalId('text2video', 'job-never-created')).toBeNull();
  });

  it('refuses a duplicate with 400/1201 and submitTask returns the existing task instead', async () => {
    const jobId = nextJobId();
    const first = await client.createTask('text2video', bodies.text2video, jobId);
    await expect(client.createTask('text2video', bodies.text2video, jobId)).rejects.toMatchObject({
      httpStatus: 400,
      code: 1201,
      kind: 'fatal',
    });
    const created = simulator.counters().tasksCreated;
    expect((await client.submitTask('text2video', bodies.text2video, jobId)).taskId).toBe(first.taskId);
    expect(simulator.counters().tasksCreated).toBe(created);
  });

  it('answers a task queried on another family with 404/1203', async () => {
    const task = await client.createTask('text2video', bodies.text2video, nextJobId());
    await expect(client.getTask('image2video', task.taskId)).rejects.toMatchObject({
      httpStatus: 404,
      code: 1203,
      kind: 'fatal',
    });
  });
});

describe('list', () => {
  it('pages the tasks of one family, newest first, with the same task objects', async () => {
    await client.createTask('text2video', bodies.text2video, nextJobId());
    await client.createTask('text2video', bodies.text2video, nextJobId());
    const page = (
      await rawGet(
        `${simulator.url}${familyPath.text2video}?pageNum=1&pageSize=2`,
        simulator.credentials.apiKey,
      )
    ).body as { code: number; data: { task_id: string; created_at: number }[] };
    expect(page.code).toBe(0);
    expect(page.data).toHaveLength(2);
    const ours = simulator.tasks().filter((task) => task.family === 'text2video');
    expect(page.data.map((task) => task.task_id)).toEqual(
      ours
        .slice(-2)
        .reverse()
        .map((task) => task.taskId),
    );
    const bad = await rawGet(
      `${simulator.url}${familyPath.text2video}?pageNum=0`,
      simulator.credentials.apiKey,
    );
    expect(bad).toStrictEqual({ status: 400, body: errorEnvelope(1201) });
  });
});
