// The receiver over real HTTP; behind it, a recording stand-in for the hint to the task sweep (the integration
// tests use the real one).
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/callbacks/deliver.js';
import {
  HINT_WINDOW_MS,
  MAX_CALLBACK_BYTES,
  startCallbackReceiver,
  type CallbackReceiver,
} from '../../src/callbacks/receiver.js';
import { callbackUrl } from '../../src/callbacks/token.js';
import { signWebhook } from '../../src/kling/webhook.js';
import { createLogger } from '../../src/log.js';

const secret = 'receiver-test-secret-0123456789';
const webhookSecret = `whsec_${Buffer.from('thirty-two bytes of webhook key!').toString('base64')}`;
const NOW = 1_800_000_000_000;

function task(jobId: string, status = 'succeed', updatedAt = NOW - 1_000) {
  return {
    task_id: 'task-77',
    task_status: status,
    task_status_msg: '',
    task_info: { external_task_id: jobId },
    task_result:
      status === 'succeed' ? { videos: [{ id: 'v1', url: 'https://x/v1.mp4', duration: '5.04' }] } : {},
    created_at: NOW - 60_000,
    updated_at: updatedAt,
  };
}

interface Receiving {
  readonly receiver: CallbackReceiver;
  readonly delivered: string[];
  readonly log: string[];
  answer: Delivery | 'throw';
}

async function receiving(withSignature: boolean): Promise<Receiving> {
  const state = {
    delivered: [] as string[],
    log: [] as string[],
    answer: 'delivered' as Delivery | 'throw',
  };
  const receiver = await startCallbackReceiver({
    host: '127.0.0.1',
    port: 0,
    secret,
    webhookSecret: withSignature ? webhookSecret : undefined,
    now: () => NOW,
    deliver: (jobId) => {
      if (state.answer === 'throw') return Promise.reject(new Error('Temporal is down'));
      state.delivered.push(jobId);
      return Promise.resolve(state.answer);
    },
    logger: createLogger({
      format: 'json',
      level: 'TRACE',
      secrets: [],
      write: (line) => state.log.push(line),
    }),
  });
  return Object.assign(state, { receiver });
}

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

const urlOf = (r: Receiving, jobId: string) => callbackUrl(r.receiver.url, secret, jobId);

describe('the callback receiver, without a webhook secret', () => {
  let r: Receiving;
  beforeAll(async () => {
    r = await receiving(false);
  });
  afterAll(async () => r?.receiver.close());

  it('turns a terminal callback into one hint for the job named in the URL', async () => {
    const jobId = 'job/with spaces & ü';
    const answer = await post(urlOf(r, jobId), JSON.stringify(task(jobId)));
    expect(answer).toEqual({ status: 200, body: { result: 'delivered' } });
    expect(r.delivered).toEqual([jobId]);
  });

  it('coalesces callbacks inside the window into one more hint at its end, and ignores non-terminal ones', async () => {
    r.delivered.length = 0;
    const jobId = 'job-dup';
    const send = async (status: string, updatedAt = NOW - 1_000) =>
      (await post(urlOf(r, jobId), JSON.stringify(task(jobId, status, updatedAt)))).body.result;
    expect(await send('failed')).toBe('delivered');
    // Repeated, or made up with another status and a later update: none is lost, none is a hint of its own.
    expect(await send('failed')).toBe('coalesced');
    expect(await send('succeed', Number.MAX_SAFE_INTEGER)).toBe('coalesced');
    expect(await send('processing')).toBe('ignored: not terminal');
    expect(await send('submitted')).toBe('ignored: not terminal');
    expect(r.delivered).toEqual([jobId]);
    await new Promise((resolve) => setTimeout(resolve, HINT_WINDOW_MS + 300));
    expect(r.delivered).toEqual([jobId, jobId]);
  });

  it('refuses a task id or a job id of a size no Kling task or job has, before keeping or logging it', async () => {
    r.delivered.length = 0;
    const longTaskId = `forged-${'x'.repeat(60_000)}`;
    const forged = { ...task('job-long'), task_id: longTaskId };
    expect((await post(urlOf(r, 'job-long'), JSON.stringify(forged))).status).toBe(400);
    const longJobId = `job-${'y'.repeat(300)}`;
    expect((await post(urlOf(r, longJobId), JSON.stringify(task(longJobId)))).status).toBe(403);
    expect(r.delivered).toEqual([]);
    expect(r.log.join('\n')).not.toContain('x'.repeat(200));
  });

  it.each([
    ['a GET', 405, (u: string) => fetch(u)],
    ['no token', 404, (u: string) => fetch(u.slice(0, u.lastIndexOf('/')), { method: 'POST', body: '{}' })],
    [
      'an unknown path',
      404,
      (u: string) => fetch(`${new URL(u).origin}/other`, { method: 'POST', body: '{}' }),
    ],
    [
      'a wrong token',
      403,
      (u: string) =>
        fetch(`${u.slice(0, u.lastIndexOf('/'))}/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`, {
          method: 'POST',
          body: '{}',
        }),
    ],
  ])('rejects %s with %i and signals nothing', async (_what, status, send) => {
    r.delivered.length = 0;
    const response = await send(urlOf(r, 'job-x'));
    expect(response.status).toBe(status);
    expect(r.delivered).toEqual([]);
  });

  it('rejects a valid token for another job, and a task that names another job', async () => {
    r.delivered.length = 0;
    const other = urlOf(r, 'job-b');
    const stolen = `${urlOf(r, 'job-a').slice(0, urlOf(r, 'job-a').lastIndexOf('/'))}${other.slice(other.lastIndexOf('/'))}`;
    expect((await post(stolen, JSON.stringify(task('job-a')))).status).toBe(403);
    expect((await post(other, JSON.stringify(task('job-a')))).status).toBe(400);
    expect(r.delivered).toEqual([]);
  });

  it('rejects bodies over the limit, declared or streamed, with 413', async () => {
    r.delivered.length = 0;
    const big = JSON.stringify({ ...task('job-big'), padding: 'x'.repeat(MAX_CALLBACK_BYTES) });
    expect((await post(urlOf(r, 'job-big'), big)).status).toBe(413);
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(urlOf(r, 'job-big'), { method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let sent = 0; sent <= MAX_CALLBACK_BYTES; sent += 8_192) req.write('x'.repeat(8_192));
      req.end();
    });
    expect(streamed).toBe(413);
    expect(r.delivered).toEqual([]);
  });

  it('rejects what is not a Kling task object with 400', async () => {
    r.delivered.length = 0;
    for (const body of ['not json', '{}', JSON.stringify({ ...task('job-s'), task_status: 'done' })])
      expect((await post(urlOf(r, 'job-s'), body)).status).toBe(400);
    expect(r.delivered).toEqual([]);
  });

  it('answers 200 for a finished job, 404 for an unknown one, 503 when Temporal is unreachable', async () => {
    r.answer = 'finished';
    expect(await post(urlOf(r, 'job-f'), JSON.stringify(task('job-f')))).toEqual({
      status: 200,
      body: { result: 'finished' },
    });
    r.answer = 'unknown';
    expect((await post(urlOf(r, 'job-u'), JSON.stringify(task('job-u')))).status).toBe(404);
    r.answer = 'throw';
    expect((await post(urlOf(r, 'job-t'), JSON.stringify(task('job-t')))).status).toBe(503);
    // Not remembered as delivered: Kling's retry gets through once Temporal is back.
    r.answer = 'delivered';
    expect((await post(urlOf(r, 'job-t'), JSON.stringify(task('job-t')))).body.result).toBe('delivered');
  });

  it('never logs a token or the secret', () => {
    const tokens = ['job-a', 'job-b', 'job-x', 'job-dup', 'job-t'].map((jobId) =>
      urlOf(r, jobId).split('/').pop()!,
    );
    const text = r.log.join('\n');
    expect(r.log.length).toBeGreaterThan(5);
    for (const token of tokens) expect(text).not.toContain(token);
    expect(text).not.toContain(secret);
  });
});

describe('the callback receiver, with a webhook secret', () => {
  let r: Receiving;
  beforeAll(async () => {
    r = await receiving(true);
  });
  afterAll(async () => r?.receiver.close());

  const signed = (body: string, key = webhookSecret, seconds = NOW / 1000) =>
    signWebhook(key, 'msg_1', seconds, body) as unknown as Record<string, string>;

  it('accepts a fresh, correctly signed callback', async () => {
    const body = JSON.stringify(task('job-w'));
    expect((await post(urlOf(r, 'job-w'), body, signed(body))).body.result).toBe('delivered');
  });

  it.each([
    ['no signature', () => ({})],
    [
      'a signature by another key',
      (body: string) =>
        signed(body, `whsec_${Buffer.from('another key entirely, 32 bytes!!').toString('base64')}`),
    ],
    ['a signature of another body', () => signed(JSON.stringify(task('job-w2', 'failed')))],
    ['a stale timestamp', (body: string) => signed(body, webhookSecret, NOW / 1000 - 301)],
    ['a timestamp from the future', (body: string) => signed(body, webhookSecret, NOW / 1000 + 301)],
  ])('rejects %s with 401', async (_what, headers) => {
    r.delivered.length = 0;
    const body = JSON.stringify(task('job-w2'));
    expect((await post(urlOf(r, 'job-w2'), body, headers(body))).status).toBe(401);
    expect(r.delivered).toEqual([]);
  });
});
