import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const base = { PATH: '/usr/bin', HOME: '/home/someone' };
const secret = 'callback-secret-0123456789';
const webhookSecret = `whsec_${Buffer.from('thirty-two bytes of webhook key!').toString('base64')}`;

describe('callback and queueing configuration', () => {
  it('is off unless configured', () => {
    const config = loadConfig(base);
    expect(config.callbacks).toBeUndefined();
    expect(config.maxConcurrentTasks).toBeUndefined();
  });

  it('reads the public URL, the listen address, both secrets and the fallback interval (60 s by default)', () => {
    const config = loadConfig({
      ...base,
      KLING_CALLBACK_BASE_URL: 'https://hooks.example.com/kling',
      KLING_CALLBACK_LISTEN: '0.0.0.0:8787',
      KLING_CALLBACK_SECRET: secret,
      KLING_WEBHOOK_SECRET: webhookSecret,
      KLING_MAX_CONCURRENT_TASKS: '5',
    });
    expect(config.callbacks).toEqual({
      baseUrl: 'https://hooks.example.com/kling',
      listen: { host: '0.0.0.0', port: 8787 },
      secret,
      webhookSecret,
      pollIntervalMs: 60_000,
    });
    expect(config.maxConcurrentTasks).toBe(5);
    expect(config.secrets).toEqual(expect.arrayContaining([secret, webhookSecret]));
    // The non-callback poll interval is untouched.
    expect(config.wait.pollIntervalMs).toBe(10_000);
  });

  it('a receiver alone (no public URL) and an IPv6 listen address', () => {
    const config = loadConfig({
      ...base,
      KLING_CALLBACK_LISTEN: '[::1]:9000',
      KLING_CALLBACK_SECRET: secret,
      KLING_CALLBACK_POLL_INTERVAL_SECONDS: '30',
    });
    expect(config.callbacks).toMatchObject({ baseUrl: undefined, listen: { host: '::1', port: 9000 } });
    expect(config.callbacks?.pollIntervalMs).toBe(30_000);
  });

  it.each([
    [{ KLING_CALLBACK_BASE_URL: 'https://hooks.example.com' }, /KLING_CALLBACK_SECRET/],
    [{ KLING_CALLBACK_SECRET: secret }, /callbacks are off/],
    [
      { KLING_CALLBACK_BASE_URL: 'ftp://hooks.example.com', KLING_CALLBACK_SECRET: secret },
      /KLING_CALLBACK_BASE_URL/,
    ],
    [{ KLING_CALLBACK_LISTEN: '8787', KLING_CALLBACK_SECRET: secret }, /KLING_CALLBACK_LISTEN/],
    [{ KLING_CALLBACK_LISTEN: 'localhost:70000', KLING_CALLBACK_SECRET: secret }, /KLING_CALLBACK_LISTEN/],
    [
      { KLING_CALLBACK_LISTEN: 'localhost:8787', KLING_CALLBACK_SECRET: 'short-s3cret' },
      /KLING_CALLBACK_SECRET/,
    ],
    [
      {
        KLING_CALLBACK_LISTEN: 'localhost:8787',
        KLING_CALLBACK_SECRET: secret,
        KLING_WEBHOOK_SECRET: 'not base64!',
      },
      /KLING_WEBHOOK_SECRET/,
    ],
    [{ KLING_MAX_CONCURRENT_TASKS: '0' }, /KLING_MAX_CONCURRENT_TASKS/],
    [{ KLING_MAX_CONCURRENT_TASKS: '2.5' }, /KLING_MAX_CONCURRENT_TASKS/],
  ])('refuses %o, naming the variable and never a secret value', (env, message) => {
    const attempt = () => loadConfig({ ...base, ...env });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
    const text = (() => {
      try {
        attempt();
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(text).not.toContain('short-s3cret');
    expect(text).not.toContain(secret);
  });
});
