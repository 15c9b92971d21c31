// Every code of the kling-api.md error table, answered by the simulator over real HTTP, lands in the right
// class. The expectations are written out here from the document, not read from the table under test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKlingClient, type KlingClient } from '../../src/kling/client.js';
import { classifyKlingCode, classifyTransportFailure, KlingError } from '../../src/kling/errors.js';
import { startSimulator, type Simulator } from '../../src/kling/simulator/simulator.js';
import { bodies, FAST, jwtAuth } from './support.js';

let simulator: Simulator;
let client: KlingClient;
let serial = 0;

beforeAll(async () => {
  simulator = await startSimulator({ ...FAST, seed: 7 });
  client = createKlingClient({ baseUrl: simulator.url, auth: jwtAuth(simulator) });
});
afterAll(() => simulator.close());

const table: [code: number, httpStatus: number, kind: 'fatal' | 'retryable'][] = [
  [1000, 401, 'fatal'],
  [1001, 401, 'fatal'],
  [1002, 401, 'fatal'],
  [1100, 429, 'fatal'],
  [1101, 429, 'fatal'],
  [1102, 429, 'fatal'],
  [1103, 403, 'fatal'],
  [1200, 400, 'fatal'],
  [1201, 400, 'fatal'],
  [1202, 404, 'fatal'],
  [1203, 404, 'fatal'],
  [1300, 400, 'fatal'],
  [1301, 400, 'fatal'],
  [1302, 429, 'retryable'],
  [1303, 429, 'retryable'],
  [1304, 429, 'fatal'],
  [5000, 500, 'retryable'],
  [5001, 503, 'retryable'],
  [5002, 504, 'retryable'],
];

describe.each(table)('code %i', (code, httpStatus, kind) => {
  const serverError = code >= 5000;

  it(`on a create: HTTP ${httpStatus}, ${kind}${serverError ? ', ambiguous' : ''}`, async () => {
    simulator.setFaults({ createErrors: [code] });
    const error = await client
      .createTask('text2video', bodies.text2video, `job-errors-${++serial}`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KlingError);
    expect(error).toMatchObject({ name: 'KlingError', httpStatus, code, kind, ambiguous: serverError });
    expect((error as KlingError).requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect((error as KlingError).message).toContain(`code ${code}`);
  });

  it(`on a query: HTTP ${httpStatus}, ${kind}, never ambiguous`, async () => {
    simulator.setFaults({ queryErrors: [code] });
    await expect(client.getTask('text2video', '123')).rejects.toMatchObject({
      httpStatus,
      code,
      kind,
      ambiguous: false,
    });
  });
});

describe.each([1003, 1004])('code %i (token not yet valid / expired)', (code) => {
  it('is retried once with a fresh token, which succeeds', async () => {
    simulator.setFaults({ createErrors: [code] });
    const before = simulator.counters().requests['POST /v1/videos/text2video'] ?? {};
    const task = await client.createTask('text2video', bodies.text2video, `job-errors-${++serial}`);
    expect(task.status).toBe('submitted');
    const after = simulator.counters().requests['POST /v1/videos/text2video'] ?? {};
    expect((after['401'] ?? 0) - (before['401'] ?? 0)).toBe(1);
    expect((after['200'] ?? 0) - (before['200'] ?? 0)).toBe(1);
  });

  it('is fatal when the fresh token is refused too', async () => {
    simulator.setFaults({ createErrors: [code, code] });
    await expect(
      client.createTask('text2video', bodies.text2video, `job-errors-${++serial}`),
    ).rejects.toMatchObject({ httpStatus: 401, code, kind: 'fatal', ambiguous: false });
  });

  it('is fatal at once with a static API key, which no re-signing can fix', async () => {
    const apiKeyClient = createKlingClient({
      baseUrl: simulator.url,
      auth: { apiKey: simulator.credentials.apiKey },
    });
    simulator.setFaults({ createErrors: [code] });
    await expect(
      apiKeyClient.createTask('text2video', bodies.text2video, `job-errors-${++serial}`),
    ).rejects.toMatchObject({ code, kind: 'fatal' });
    expect(simulator.knobs().createErrors).toEqual([]);
  });
});

describe('classification outside the table', () => {
  it('1303 asks for at least 1 s of backoff', async () => {
    simulator.setFaults({ createErrors: [1303] });
    await expect(
      client.createTask('text2video', bodies.text2video, `job-errors-${++serial}`),
    ).rejects.toMatchObject({
      minBackoffMs: 1000,
    });
  });

  it('an unknown code follows its HTTP status class', () => {
    expect(classifyKlingCode(9999, 502, true)).toMatchObject({ kind: 'retryable', ambiguous: true });
    expect(classifyKlingCode(9999, 400, true)).toMatchObject({ kind: 'fatal', ambiguous: false });
  });

  it('no answer, or an unreadable one, is retryable and ambiguous on a create; a plain 4xx is a refusal', () => {
    expect(classifyTransportFailure(null, true)).toMatchObject({ kind: 'retryable', ambiguous: true });
    expect(classifyTransportFailure(null, false)).toMatchObject({ kind: 'retryable', ambiguous: false });
    expect(classifyTransportFailure(502, true)).toMatchObject({ kind: 'retryable', ambiguous: true });
    expect(classifyTransportFailure(404, true)).toMatchObject({ kind: 'fatal', ambiguous: false });
  });

  it('a response that is not a Kling envelope is a retryable KlingError', async () => {
    const garbled = createKlingClient({
      baseUrl: 'http://kling.invalid',
      auth: { apiKey: 'k' },
      fetch: () => Promise.resolve(new Response('<html>Bad gateway</html>', { status: 502 })),
    });
    await expect(garbled.createTask('text2video', bodies.text2video, 'job-x')).rejects.toMatchObject({
      name: 'KlingError',
      httpStatus: 502,
      code: null,
      kind: 'retryable',
      ambiguous: true,
    });
  });

  it('a connection refused is a retryable KlingError', async () => {
    const closed = await startSimulator();
    const url = closed.url;
    await closed.close();
    const offline = createKlingClient({ baseUrl: url, auth: { apiKey: 'k' } });
    await expect(offline.getTask('text2video', '1')).rejects.toMatchObject({
      name: 'KlingError',
      httpStatus: null,
      kind: 'retryable',
      ambiguous: false,
    });
  });
});
