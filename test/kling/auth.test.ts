import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKlingAuth, TOKEN_RENEW_MARGIN_SECONDS } from '../../src/kling/auth.js';
import { createKlingClient } from '../../src/kling/client.js';
import { startSimulator, type Simulator } from '../../src/kling/simulator/simulator.js';
import { bodies, FAST, jwtAuth } from './support.js';

const T0 = 1_774_711_071_000;
const bearer = (header: string): string => header.replace(/^Bearer /, '');

describe('createKlingAuth', () => {
  it('signs HS256 with exactly iss, exp = now + 1800 s and nbf = now - 5 s', async () => {
    const auth = createKlingAuth({ accessKey: 'ak', secretKey: 'sk' }, () => T0);
    const token = bearer(await auth.authorization());
    expect(decodeProtectedHeader(token)).toStrictEqual({ alg: 'HS256', typ: 'JWT' });
    const seconds = T0 / 1000;
    expect(decodeJwt(token)).toStrictEqual({ iss: 'ak', exp: seconds + 1800, nbf: seconds - 5 });
    const verified = await jwtVerify(token, new TextEncoder().encode('sk'), { currentDate: new Date(T0) });
    expect(verified.payload.iss).toBe('ak');
  });

  it('reuses the token until the renewal margin before expiry, then signs a new one', async () => {
    let now = T0;
    const auth = createKlingAuth({ accessKey: 'ak', secretKey: 'sk' }, () => now);
    const first = await auth.authorization();
    const lastReuse = (1800 - TOKEN_RENEW_MARGIN_SECONDS - 1) * 1000;
    now = T0 + lastReuse;
    expect(await auth.authorization()).toBe(first);
    now = T0 + lastReuse + 1000;
    const second = await auth.authorization();
    expect(second).not.toBe(first);
    expect(decodeJwt(bearer(second)).exp).toBe(now / 1000 + 1800);
    expect(TOKEN_RENEW_MARGIN_SECONDS).toBeGreaterThanOrEqual(60);
  });

  it('signs again after renew()', async () => {
    let now = T0;
    const auth = createKlingAuth({ accessKey: 'ak', secretKey: 'sk' }, () => now);
    const first = await auth.authorization();
    now += 1000;
    expect(auth.renew()).toBe(true);
    expect(await auth.authorization()).not.toBe(first);
  });

  it('sends a static API key as is, and cannot renew it', async () => {
    const auth = createKlingAuth({ apiKey: 'key-1' });
    expect(await auth.authorization()).toBe('Bearer key-1');
    expect(auth.renew()).toBe(false);
  });
});

describe('the simulator verifies tokens', () => {
  let simulator: Simulator;
  beforeAll(async () => {
    simulator = await startSimulator({ ...FAST, seed: 3 });
  });
  afterAll(() => simulator.close());
  beforeEach(() => simulator.setFaults({ clockSkewMs: 0 }));

  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const sign = (
    claims: { iss?: string; exp?: number; nbf?: number },
    secret = simulator.credentials.secretKey,
    alg = 'HS256',
  ) => new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(new TextEncoder().encode(secret));
  const codeFor = async (authorization: string | undefined): Promise<{ status: number; code: number }> => {
    const response = await fetch(`${simulator.url}/v1/videos/text2video?pageNum=1&pageSize=1`, {
      headers: authorization === undefined ? {} : { authorization },
    });
    return { status: response.status, code: ((await response.json()) as { code: number }).code };
  };
  const valid = () => ({
    iss: simulator.credentials.accessKey,
    exp: nowSeconds() + 1800,
    nbf: nowSeconds() - 5,
  });

  it('accepts a valid token and the API key', async () => {
    expect(await codeFor(`Bearer ${await sign(valid())}`)).toStrictEqual({ status: 200, code: 0 });
    expect(await codeFor(`Bearer ${simulator.credentials.apiKey}`)).toStrictEqual({ status: 200, code: 0 });
  });
  it('expired → 401/1004', async () => {
    const token = await sign({ ...valid(), exp: nowSeconds() - 10, nbf: nowSeconds() - 1000 });
    expect(await codeFor(`Bearer ${token}`)).toStrictEqual({ status: 401, code: 1004 });
  });
  it('not yet valid → 401/1003', async () => {
    const token = await sign({ ...valid(), nbf: nowSeconds() + 600 });
    expect(await codeFor(`Bearer ${token}`)).toStrictEqual({ status: 401, code: 1003 });
  });
  it('badly signed → 401/1000', async () => {
    const token = await sign(valid(), 'not-the-secret');
    expect(await codeFor(`Bearer ${token}`)).toStrictEqual({ status: 401, code: 1000 });
  });
  it('signed with another algorithm → 401/1000', async () => {
    const token = await sign(valid(), simulator.credentials.secretKey, 'HS512');
    expect(await codeFor(`Bearer ${token}`)).toStrictEqual({ status: 401, code: 1000 });
  });
  it('unknown issuer → 401/1000; wrong API key → 401/1000', async () => {
    expect(await codeFor(`Bearer ${await sign({ ...valid(), iss: 'someone-else' })}`)).toStrictEqual({
      status: 401,
      code: 1000,
    });
    expect(await codeFor('Bearer wrong-api-key')).toStrictEqual({ status: 401, code: 1000 });
  });
  it('no header → 401/1001; not a bearer token, an undecodable JWT or a missing claim → 401/1002', async () => {
    expect(await codeFor(undefined)).toStrictEqual({ status: 401, code: 1001 });
    expect(await codeFor('Basic dXNlcjpwYXNz')).toStrictEqual({ status: 401, code: 1002 });
    expect(await codeFor('Bearer abc.def.ghi')).toStrictEqual({ status: 401, code: 1002 });
    const { exp: _exp, ...withoutExp } = valid();
    expect(await codeFor(`Bearer ${await sign(withoutExp)}`)).toStrictEqual({ status: 401, code: 1002 });
  });
  it("judges time by the simulator's clock (clockSkewMs)", async () => {
    const token = await sign(valid());
    simulator.setFaults({ clockSkewMs: 1801_000 });
    expect(await codeFor(`Bearer ${token}`)).toStrictEqual({ status: 401, code: 1004 });
  });
});

describe('the client against the simulator', () => {
  let simulator: Simulator;
  beforeAll(async () => {
    simulator = await startSimulator({ ...FAST, seed: 4 });
  });
  afterAll(() => simulator.close());
  beforeEach(() => simulator.setFaults({ clockSkewMs: 0 }));

  /** A fetch that records the tokens sent, to compare them. */
  const recording =
    (tokens: string[]): typeof fetch =>
    (input, init) => {
      tokens.push(bearer(new Headers(init?.headers).get('authorization') ?? ''));
      return fetch(input, init);
    };
  const requestsOn = (route: string) => simulator.counters().requests[route] ?? {};

  it('re-signs before expiry: same token up to the margin, a new one after, both accepted', async () => {
    let offsetMs = 0;
    const tokens: string[] = [];
    const client = createKlingClient({
      baseUrl: simulator.url,
      auth: jwtAuth(simulator),
      now: () => Date.now() + offsetMs,
      fetch: recording(tokens),
    });
    const task = await client.createTask('text2video', bodies.text2video, 'job-auth-resign');
    // Both clocks move together, as if 1499 s and then 1500 s had passed.
    offsetMs = (1800 - TOKEN_RENEW_MARGIN_SECONDS - 1) * 1000;
    simulator.setFaults({ clockSkewMs: offsetMs });
    await client.getTask('text2video', task.taskId);
    offsetMs += 1000;
    simulator.setFaults({ clockSkewMs: offsetMs });
    await client.getTask('text2video', task.taskId);
    expect(tokens).toHaveLength(3);
    expect(tokens[1]).toBe(tokens[0]);
    expect(tokens[2]).not.toBe(tokens[0]);
  });

  it('re-signs once when the server calls a cached token expired (1004), then succeeds', async () => {
    let offsetMs = 0;
    const tokens: string[] = [];
    const client = createKlingClient({
      baseUrl: simulator.url,
      auth: jwtAuth(simulator),
      now: () => Date.now() + offsetMs,
      fetch: recording(tokens),
    });
    const task = await client.createTask('text2video', bodies.text2video, 'job-auth-stale');
    // The client's clock moved 100 s, well inside its margin; the server's moved past the token's exp.
    offsetMs = 100_000;
    simulator.setFaults({ clockSkewMs: 1850_000 });
    const before = requestsOn('GET /v1/videos/text2video/{id}');
    expect((await client.getTask('text2video', task.taskId)).taskId).toBe(task.taskId);
    const after = requestsOn('GET /v1/videos/text2video/{id}');
    expect((after['401'] ?? 0) - (before['401'] ?? 0)).toBe(1);
    expect((after['200'] ?? 0) - (before['200'] ?? 0)).toBe(1);
    expect(new Set(tokens).size).toBe(2);
  });

  it.each([
    ['behind: every token it signs is already expired', -1900_000, 1004],
    ['ahead: every token it signs is not yet valid', 600_000, 1003],
  ])('a client clock %s → one re-sign, then a fatal %i', async (_label, offsetMs, code) => {
    const client = createKlingClient({
      baseUrl: simulator.url,
      auth: jwtAuth(simulator),
      now: () => Date.now() + offsetMs,
    });
    const before = requestsOn('GET /v1/videos/text2video/{id}');
    await expect(client.getTask('text2video', '1')).rejects.toMatchObject({
      httpStatus: 401,
      code,
      kind: 'fatal',
    });
    const after = requestsOn('GET /v1/videos/text2video/{id}');
    expect((after['401'] ?? 0) - (before['401'] ?? 0)).toBe(2);
  });
});
