import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const base = { PATH: '/usr/bin', HOME: '/home/someone' };

describe('configuration from the environment', () => {
  it('runs anywhere with nothing set: dev server, PGlite in .data, the simulator, 10 s polls, 60 min budget', () => {
    const config = loadConfig(base);
    expect(config.production).toBe(false);
    expect(config.temporal).toMatchObject({
      address: undefined,
      namespace: 'default',
      taskQueue: 'kling-video',
    });
    expect(config.temporal.cacheDir).toBe('/home/someone/.cache/kling-video-worker');
    expect(config.store).toEqual({
      databaseUrl: undefined,
      dataDir: expect.stringMatching(/\/\.data$/) as unknown,
    });
    expect(config.kling.kind).toBe('simulator');
    expect(config.wait).toEqual({ pollIntervalMs: 10_000, budgetMs: 3_600_000 });
    expect(config.log).toEqual({ level: 'INFO', format: 'text' });
  });

  it('reads every production setting', () => {
    const config = loadConfig({
      ...base,
      NODE_ENV: 'production',
      TEMPORAL_ADDRESS: 'temporal:7233',
      DATABASE_URL: 'postgres://kling:s3cr%40t@db:5432/kling',
      KLING_ACCESS_KEY: 'ak-123456',
      KLING_SECRET_KEY: 'sk-abcdef',
      KLING_POLL_INTERVAL_SECONDS: '15',
      KLING_JOB_BUDGET_MINUTES: '90',
    });
    expect(config.kling).toEqual({
      kind: 'api',
      baseUrl: 'https://api-singapore.klingai.com',
      credentials: { accessKey: 'ak-123456', secretKey: 'sk-abcdef' },
      timeoutMs: 30_000,
      newApiModels: [],
    });
    expect(config.wait).toEqual({ pollIntervalMs: 15_000, budgetMs: 5_400_000 });
    expect(config.log.format).toBe('json');
    // The logger masks every configured secret, the database password decoded.
    expect(config.secrets).toEqual(expect.arrayContaining(['ak-123456', 'sk-abcdef', 's3cr@t']));
  });

  it.each([
    [{ KLING_POLL_INTERVAL_SECONDS: 'soon' }, /KLING_POLL_INTERVAL_SECONDS/],
    [{ KLING_JOB_BUDGET_MINUTES: '0' }, /KLING_JOB_BUDGET_MINUTES/],
    [{ DATABASE_URL: 'mysql://db/kling' }, /DATABASE_URL/],
    [{ KLING_BASE_URL: 'not a url' }, /KLING_BASE_URL/],
    [{ LOG_LEVEL: 'LOUD' }, /LOG_LEVEL/],
    [{ KLING_ACCESS_KEY: 'ak-only' }, /KLING_ACCESS_KEY and KLING_SECRET_KEY must be set together/],
    [
      { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/k' },
      /NODE_ENV=production needs real Kling credentials/,
    ],
    [{ NODE_ENV: 'production', KLING_API_KEY: 'key-123456' }, /NODE_ENV=production needs DATABASE_URL/],
    [
      { KLING_NEW_API_MODELS: 'kling-v1-6' },
      /^KLING_NEW_API_MODELS: kling-v1-6 is not a model both Kling APIs serve; allowed: kling-v2-5-turbo, kling-v2-6, kling-v3, kling-video-o1, kling-v3-omni/,
    ],
    [{ KLING_NEW_API_MODELS: 'kling-v3,kling-4' }, /^KLING_NEW_API_MODELS: kling-4 is not/],
  ])('refuses %o, naming the variable', (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...env })).toThrow(message);
  });

  it('KLING_NEW_API_MODELS: models both APIs serve, named either way, kept by their table names', () => {
    const models = (value: string) => loadConfig({ ...base, KLING_NEW_API_MODELS: value }).kling.newApiModels;
    expect(models('kling-v3,kling-video-o1')).toEqual(['kling-v3', 'kling-video-o1']);
    expect(models(' kling-3.0 , kling-o1,kling-v3,kling-3.0-omni,kling-2.6,kling-2.5-turbo ')).toEqual([
      'kling-v3',
      'kling-video-o1',
      'kling-v3-omni',
      'kling-v2-6',
      'kling-v2-5-turbo',
    ]);
    // A model only the new API serves goes there anyway: naming it changes nothing.
    expect(models('kling-3.0-turbo')).toEqual([]);
    expect(loadConfig(base).kling.newApiModels).toEqual([]);
  });

  it('keeps the API key next to a key pair: the legacy API signs with the pair, the new API takes the key', () => {
    const config = loadConfig({
      ...base,
      KLING_ACCESS_KEY: 'ak-123456',
      KLING_SECRET_KEY: 'sk-abcdef',
      KLING_API_KEY: 'key-123456',
    });
    expect(config.kling).toMatchObject({
      kind: 'api',
      credentials: { accessKey: 'ak-123456', secretKey: 'sk-abcdef', apiKey: 'key-123456' },
    });
    expect(config.secrets).toEqual(expect.arrayContaining(['ak-123456', 'sk-abcdef', 'key-123456']));
  });

  it('never echoes a secret value in its errors', () => {
    const secret = 'sk-very-secret-value';
    let message = '';
    try {
      loadConfig({ ...base, KLING_SECRET_KEY: secret, DATABASE_URL: `postgres://u:${secret}@db` });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/KLING_ACCESS_KEY and KLING_SECRET_KEY/);
    expect(message).not.toContain(secret);
  });
});

describe('bounds on durations and intervals (issue 13, row 6)', () => {
  it.each([
    ['KLING_POLL_INTERVAL_SECONDS', '1000000000', 'at most 3600'],
    ['KLING_JOB_BUDGET_MINUTES', '999999999999999999999', 'at most 10080'],
    ['KLING_REQUEST_TIMEOUT_SECONDS', '61', 'at most 60'],
    ['SHUTDOWN_GRACE_SECONDS', '86400', 'at most 3600'],
    ['KLING_CALLBACK_POLL_INTERVAL_SECONDS', '7200', 'at most 3600'],
    ['KLING_POLL_INTERVAL_SECONDS', '0.0001', 'expected at least 0.001'],
    ['KLING_MAX_CONCURRENT_TASKS', '1000000', 'at most 1000'],
  ])('%s=%s is refused: %s', (variable, value, message) => {
    const env = { ...base, [variable]: value };
    if (variable.startsWith('KLING_CALLBACK')) Object.assign(env, callbackEnv);
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(`${variable}: ${message}`);
  });

  it('takes the largest values the bounds allow, and the wait policy a job keeps stays within them', () => {
    const config = loadConfig({
      ...base,
      KLING_POLL_INTERVAL_SECONDS: '3600',
      KLING_JOB_BUDGET_MINUTES: '10080',
      KLING_REQUEST_TIMEOUT_SECONDS: '60',
      SHUTDOWN_GRACE_SECONDS: '3600',
    });
    expect(config.wait).toEqual({ pollIntervalMs: 3_600_000, budgetMs: 604_800_000 });
    expect(config.kling.timeoutMs).toBe(60_000);
    expect(config.shutdownGraceMs).toBe(3_600_000);
  });
});

const callbackEnv = {
  KLING_CALLBACK_LISTEN: '127.0.0.1:19100',
  KLING_CALLBACK_SECRET: 'a-callback-secret-of-32-characters',
};

describe('control characters in configuration values (issue 13, row 3)', () => {
  it.each([
    ['TEMPORAL_TASK_QUEUE', 'kling\u0000video'],
    ['TEMPORAL_NAMESPACE', 'default\u001b[2J'],
    ['KLING_API_KEY', 'key-with\na-newline'],
    ['RATE_CARD_PATH', 'card\u0007.json'],
  ])('%s with a control character is refused, naming it and not echoing the value', (variable, value) => {
    let message = '';
    try {
      loadConfig({ ...base, [variable]: value });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toMatch(new RegExp(`${variable}: control character U\\+00`));
    expect(message).not.toContain(value.trim());
  });

  it('a task queue name is bounded: it is part of every job history (the account-slots workflow id)', () => {
    expect(() => loadConfig({ ...base, TEMPORAL_TASK_QUEUE: 'q'.repeat(201) })).toThrow(
      'TEMPORAL_TASK_QUEUE: at most 200 characters',
    );
  });
});
