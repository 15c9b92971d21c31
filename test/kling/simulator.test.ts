// The simulator's own behaviour: lifecycle, concurrency limit, callbacks, knobs, admin endpoints, seed.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { familyPath } from '../../src/domain/family.js';
import { createKlingClient, type KlingClient } from '../../src/kling/client.js';
import {
  startSimulator,
  type Simulator,
  type SimulatorOptions,
} from '../../src/kling/simulator/simulator.js';
import { parseTaskCallback } from '../../src/kling/task.js';
import { verifyWebhook } from '../../src/kling/webhook.js';
import { queryKindOf, shapeOf, taskDataOf } from './fixtures.js';
import { bodies, FAST, jwtAuth, waitForEnd } from './support.js';

const started: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((resource) => resource.close()));
});

async function simulate(
  options: SimulatorOptions = {},
): Promise<{ simulator: Simulator; client: KlingClient }> {
  const simulator = await startSimulator({ ...FAST, seed: 21, ...options });
  started.push(simulator);
  return { simulator, client: createKlingClient({ baseUrl: simulator.url, auth: jwtAuth(simulator) }) };
}

async function post(simulator: Simulator, path: string, body: string) {
  const response = await fetch(`${simulator.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${simulator.credentials.apiKey}` },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('lifecycle', () => {
  it('submitted → processing → succeed, each transition time-stamped in order', async () => {
    const { simulator, client } = await simulate();
    const task = await client.createTask('text2video', bodies.text2video, 'job-life-1');
    await waitForEnd(client, 'text2video', task.taskId);
    const [seen] = simulator.tasks();
    expect(seen?.transitions.map((transition) => transition.status)).toEqual([
      'submitted',
      'processing',
      'succeed',
    ]);
    const times = seen!.transitions.map((transition) => transition.at);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(seen).toMatchObject({
      createdAt: times[0],
      updatedAt: times[2],
      model: 'kling-v2-6',
      mode: 'pro',
    });
    expect(simulator.counters()).toMatchObject({
      tasksCreated: 1,
      tasksSucceeded: 1,
      tasksFailed: 0,
      inFlight: 0,
    });
  });

  it('failureRate 1 ends every task failed with the configured task_status_msg', async () => {
    const { simulator, client } = await simulate({
      failureRate: 1,
      failureMessage: 'policy: simulated refusal',
    });
    const task = await client.createTask('text2video', bodies.text2video, 'job-life-2');
    const done = await waitForEnd(client, 'text2video', task.taskId);
    expect(done).toMatchObject({ status: 'failed', statusMessage: 'policy: simulated refusal', videos: [] });
    expect(simulator.counters()).toMatchObject({ tasksFailed: 1, tasksSucceeded: 0 });
  });
});

describe('account concurrency limit', () => {
  it('answers 429/1303 over the limit, and counts the most tasks in flight', async () => {
    // Real-time delays: the tasks stay in flight for the whole test.
    const { simulator, client } = await simulate({
      timeScale: 1,
      processingMs: 600_000,
      concurrencyLimit: 2,
    });
    await client.createTask('text2video', bodies.text2video, 'job-limit-1');
    await client.createTask('image2video', bodies.image2video, 'job-limit-2');
    await expect(client.createTask('text2video', bodies.text2video, 'job-limit-3')).rejects.toMatchObject({
      httpStatus: 429,
      code: 1303,
      kind: 'retryable',
      ambiguous: false,
    });
    expect(simulator.counters()).toMatchObject({ tasksCreated: 2, inFlight: 2, maxInFlight: 2 });
    simulator.setFaults({ concurrencyLimit: 3 });
    await client.createTask('text2video', bodies.text2video, 'job-limit-3');
    expect(simulator.counters()).toMatchObject({ inFlight: 3, maxInFlight: 3 });
  });
});

describe('callbacks', () => {
  async function receiver() {
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        received.push({ headers: request.headers, body });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    started.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/kling`, received };
  }

  it('POSTs the bare task object on each transition, signed Standard-Webhooks style', async () => {
    const secret = `whsec_${Buffer.from('a webhook secret of 32 bytes....').toString('base64')}`;
    const { simulator, client } = await simulate({ webhookSecret: secret });
    const { url, received } = await receiver();
    const task = await client.createTask(
      'text2video',
      { ...bodies.text2video, callback_url: url },
      'job-cb-1',
    );
    await vi.waitFor(() => expect(simulator.counters().callbacks.delivered).toBe(3), {
      timeout: 5_000,
      interval: 10,
    });

    const statuses = received.map(({ headers, body }) => {
      const flat = Object.fromEntries(Object.entries(headers).map(([key, value]) => [key, String(value)]));
      expect(verifyWebhook(secret, flat, body, Math.floor(Date.now() / 1000))).toBe(true);
      const parsed = parseTaskCallback(JSON.parse(body));
      expect(parsed).toMatchObject({ taskId: task.taskId, externalTaskId: 'job-cb-1' });
      // The bare task object, key for key the query data of its status (test/fixtures/kling).
      expect(shapeOf(JSON.parse(body))).toStrictEqual(shapeOf(taskDataOf(queryKindOf(parsed.status))));
      return parsed.status;
    });
    expect(statuses.sort()).toEqual(['processing', 'submitted', 'succeed']);
    expect(simulator.counters().callbacks).toStrictEqual({ delivered: 3, failed: 0, dropped: 0 });
  });

  it('a tampered body or a stale timestamp fails verification', async () => {
    const secret = `whsec_${Buffer.from('another secret').toString('base64')}`;
    const { client } = await simulate({ webhookSecret: secret });
    const { url, received } = await receiver();
    await client.createTask('text2video', { ...bodies.text2video, callback_url: url }, 'job-cb-2');
    await vi.waitFor(() => expect(received.length).toBeGreaterThan(0), { timeout: 5_000, interval: 10 });
    const { headers, body } = received[0]!;
    const flat = Object.fromEntries(Object.entries(headers).map(([key, value]) => [key, String(value)]));
    const now = Math.floor(Date.now() / 1000);
    expect(verifyWebhook(secret, flat, body, now)).toBe(true);
    expect(verifyWebhook(secret, flat, `${body} `, now)).toBe(false);
    expect(verifyWebhook(`whsec_${Buffer.from('wrong').toString('base64')}`, flat, body, now)).toBe(false);
    expect(verifyWebhook(secret, flat, body, now + 301)).toBe(false);
  });

  it('unsigned without a webhook secret; callbackDropRate 1 sends none', async () => {
    const { simulator, client } = await simulate();
    const { url, received } = await receiver();
    const first = await client.createTask(
      'text2video',
      { ...bodies.text2video, callback_url: url },
      'job-cb-3',
    );
    await waitForEnd(client, 'text2video', first.taskId);
    await vi.waitFor(() => expect(simulator.counters().callbacks.delivered).toBe(3), {
      timeout: 5_000,
      interval: 10,
    });
    expect(received).toHaveLength(3);
    expect(received[0]?.headers['webhook-signature']).toBeUndefined();

    simulator.setFaults({ callbackDropRate: 1 });
    const second = await client.createTask(
      'text2video',
      { ...bodies.text2video, callback_url: url },
      'job-cb-4',
    );
    await waitForEnd(client, 'text2video', second.taskId);
    expect(simulator.counters().callbacks).toMatchObject({ delivered: 3, dropped: 3 });
    expect(received).toHaveLength(3);
  });
});

describe('knobs', () => {
  it('reports an output duration and resolution that differ from the request when told to', async () => {
    const { simulator, client } = await simulate({ outputDurationOffset: 2.5, outputResolution: '4k' });
    const task = await client.createTask('text2video', bodies.text2video, 'job-knob-1');
    const done = await waitForEnd(client, 'text2video', task.taskId);
    expect(done.videos[0]?.duration).toBe('7.50');
    const video = await fetch(done.videos[0]!.url, { method: 'HEAD' });
    expect(video.headers.get('x-simulator-resolution')).toBe('4k');
    expect(video.headers.get('x-simulator-duration')).toBe('7.50');

    simulator.setFaults({ outputDurationOffset: 0.04, outputResolution: null });
    const std = await client.createTask(
      'text2video',
      { ...bodies.text2video, mode: 'std', sound: 'off' },
      'job-knob-2',
    );
    const stdDone = await waitForEnd(client, 'text2video', std.taskId);
    expect(stdDone.videos[0]?.duration).toBe('5.04');
    expect(
      (await fetch(stdDone.videos[0]!.url, { method: 'HEAD' })).headers.get('x-simulator-resolution'),
    ).toBe('720p');
  });

  it('errorRate 1 answers every API request with 1302 or 5000–5002 and creates nothing', async () => {
    const { simulator, client } = await simulate({ errorRate: 1 });
    const codes = new Set<number | null>();
    for (let i = 0; i < 12; i++) {
      const error = await client
        .createTask('text2video', bodies.text2video, `job-rate-${i}`)
        .catch((e: unknown) => e);
      codes.add((error as { code: number | null }).code);
    }
    expect([...codes].every((code) => code === 1302 || (code !== null && code >= 5000 && code <= 5002))).toBe(
      true,
    );
    expect(codes.size).toBeGreaterThan(1);
    expect(simulator.counters().tasksCreated).toBe(0);
  });

  it('can be read and set over HTTP, refusing unknown knobs and codes outside the table', async () => {
    const { simulator } = await simulate();
    const set = await post(
      simulator,
      '/__simulator/faults',
      JSON.stringify({ createErrors: [1302], jitter: 0.5 }),
    );
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ createErrors: [1302], jitter: 0.5 });
    expect(simulator.knobs()).toMatchObject({ createErrors: [1302], jitter: 0.5 });
    const refused = await post(simulator, familyPath.text2video, JSON.stringify(bodies.text2video));
    expect(refused).toMatchObject({ status: 429, body: { code: 1302 } });

    expect(
      (await post(simulator, '/__simulator/faults', JSON.stringify({ createErrors: [42] }))).status,
    ).toBe(400);
    expect(
      (await post(simulator, '/__simulator/faults', JSON.stringify({ createErorrs: [1302] }))).status,
    ).toBe(400);
    expect((await post(simulator, '/__simulator/faults', 'not json')).status).toBe(400);
    expect(() => simulator.setFaults({ failureRate: 2 })).toThrow();
  });
});

describe('protocol edges and admin endpoints', () => {
  it('bad JSON → 400/1200, wrong method → 404/1202, unknown path → 404/1203; all counted', async () => {
    const { simulator } = await simulate();
    expect(await post(simulator, familyPath.text2video, '{oops')).toMatchObject({
      status: 400,
      body: { code: 1200 },
    });
    expect(await post(simulator, `${familyPath.text2video}/123`, '{}')).toMatchObject({
      status: 404,
      body: { code: 1202 },
    });
    expect(await post(simulator, '/v1/videos/text2image', '{}')).toMatchObject({
      status: 404,
      body: { code: 1203 },
    });

    const counters = (await (await fetch(`${simulator.url}/__simulator/counters`)).json()) as Record<
      string,
      unknown
    >;
    expect(counters).toMatchObject({
      requests: {
        'POST /v1/videos/text2video': { '400': 1 },
        'POST /v1/videos/text2video/{id}': { '404': 1 },
        'POST (unknown path)': { '404': 1 },
      },
      codes: { 'POST /v1/videos/text2video': { '1200': 1 } },
      tasksCreated: 0,
    });
    const tasks = await (await fetch(`${simulator.url}/__simulator/tasks`)).json();
    expect(tasks).toEqual([]);
  });
});

describe('seed', () => {
  async function run(seed: number) {
    const { client } = await simulate({ seed, failureRate: 0.5, jitter: 0.5 });
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const task = await client.createTask('text2video', bodies.text2video, `job-seed-${i}`);
      const done = await waitForEnd(client, 'text2video', task.taskId);
      outcomes.push(`${done.taskId}:${done.status}:${done.videos.map((video) => video.id).join()}`);
    }
    return outcomes;
  }

  it('the same seed and requests give the same ids and outcomes; another seed does not', async () => {
    const first = await run(99);
    expect(await run(99)).toEqual(first);
    expect(new Set(first.map((outcome) => outcome.split(':')[1])).size).toBe(2);
    expect(await run(100)).not.toEqual(first);
  });
});
