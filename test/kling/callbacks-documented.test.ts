// Callbacks as documented (kling-api.md, "Callbacks"): the official Standard Webhooks test vector verifies, and the
// receiver answers 2xx to every well-formed, authorised callback it does not act on — the console's new-shape test
// callback and non-terminal legacy ones — while a terminal one, of either shape, becomes one hint to the sweep.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCallbackReceiver, type CallbackReceiver } from '../../src/callbacks/receiver.js';
import { callbackUrl } from '../../src/callbacks/token.js';
import { signWebhook, verifyWebhook } from '../../src/kling/webhook.js';
import { createLogger } from '../../src/log.js';
import { fixtures, taskDataOf } from './fixtures.js';

const vector = fixtures.webhookTestVector();
const vectorSeconds = Number(vector.headers['webhook-timestamp']);

describe('the official Standard Webhooks test vector', () => {
  it('verifies, and signing its message gives its signature', () => {
    expect(verifyWebhook(vector.secret, vector.headers, vector.rawBody, vectorSeconds)).toBe(true);
    expect(signWebhook(vector.secret, vector.headers['webhook-id']!, vectorSeconds, vector.rawBody)).toEqual(
      vector.headers,
    );
  });

  it('fails on a changed body, id or timestamp, and outside ±5 minutes', () => {
    const changed = vector.rawBody.replace('succeeded', 'failed');
    expect(verifyWebhook(vector.secret, vector.headers, changed, vectorSeconds)).toBe(false);
    expect(
      verifyWebhook(
        vector.secret,
        { ...vector.headers, 'webhook-id': '9876543211' },
        vector.rawBody,
        vectorSeconds,
      ),
    ).toBe(false);
    expect(verifyWebhook(vector.secret, vector.headers, vector.rawBody, vectorSeconds + 301)).toBe(false);
    expect(verifyWebhook(vector.secret, vector.headers, vector.rawBody, vectorSeconds + 300)).toBe(true);
  });
});

describe('the receiver', () => {
  const secret = 'callbacks-documented-secret-0123';
  const delivered: string[] = [];
  let receiver: CallbackReceiver;

  beforeAll(async () => {
    receiver = await startCallbackReceiver({
      host: '127.0.0.1',
      port: 0,
      secret,
      webhookSecret: vector.secret,
      now: () => vectorSeconds * 1000,
      deliver: (jobId) => {
        delivered.push(jobId);
        return Promise.resolve('delivered');
      },
      logger: createLogger({ format: 'json', level: 'ERROR', secrets: [], write: () => undefined }),
    });
  });
  afterAll(() => receiver.close());

  const post = async (jobId: string, rawBody: string, headers: Record<string, string>) => {
    const response = await fetch(callbackUrl(receiver.url, secret, jobId), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: rawBody,
    });
    return response.status;
  };
  const signed = (rawBody: string): Record<string, string> => ({
    ...signWebhook(vector.secret, 'msg-1', vectorSeconds, rawBody),
  });

  it('answers the console’s test callback (new shape, submitted) with 200 and acts on nothing', async () => {
    const rawBody = JSON.stringify(fixtures.callback('callback-new-console-test').body);
    expect(await post('job-console', rawBody, signed(rawBody))).toBe(200);
    expect(delivered).toEqual([]);
  });

  it('answers a non-terminal legacy callback with 200 and acts on nothing', async () => {
    const rawBody = JSON.stringify(taskDataOf('query-pending'));
    expect(await post('job-8812', rawBody, signed(rawBody))).toBe(200);
    expect(delivered).toEqual([]);
  });

  it('takes the signed test vector (new shape, succeeded) as a hint for its job', async () => {
    expect(await post('job-vector', vector.rawBody, vector.headers)).toBe(200);
    expect(delivered).toEqual(['job-vector']);
  });

  it('refuses the same body unsigned: authorisation first', async () => {
    expect(await post('job-console', vector.rawBody, {})).toBe(401);
  });
});
