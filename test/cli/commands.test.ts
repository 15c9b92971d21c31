// Bad input, tried as a new user would: every path ends with one clear line on stderr, nothing on stdout, and
// the exit code each command documents. The payload and the arguments are checked before Temporal is
// contacted, so these run with no server at all (TEMPORAL_ADDRESS names a closed port).
import { describe, expect, test } from 'vitest';
import { closedPort, runCli } from './run-cli.js';

const badPayload = JSON.stringify({ model_name: 'kling-v2-6', prompt: 'p', mode: 'pro', duration: 7 });
const goodPayload = 'examples/kling-v2-6-text-audio.json';

interface Case {
  readonly args: readonly string[];
  readonly env?: Record<string, string>;
  readonly stdin?: string;
  readonly stderr: RegExp;
  /** Further lines after the first, e.g. one per invalid field. */
  readonly details?: RegExp;
}

const noServer = (port: number) => ({ TEMPORAL_ADDRESS: `127.0.0.1:${port}` });

// Each case starts a real process that loads the Temporal SDK; on a busy machine that alone takes seconds.
const spawned = { timeout: 60_000 };

describe.concurrent('bad input: exit 2, one clear line, nothing started', spawned, async () => {
  const port = await closedPort();
  const cases: Record<string, Case> = {
    'generate: missing file': {
      args: ['generate', 'no-such.json'],
      stderr: /cannot read payload no-such\.json: ENOENT/,
    },
    'generate: invalid JSON': {
      args: ['generate', '-'],
      stdin: '{"model_name":',
      stderr: /payload stdin is not valid JSON/,
    },
    'generate: invalid payload, field by field': {
      args: ['generate', '-'],
      stdin: badPayload,
      stderr: /^kling-video generate: stdin: invalid request:$/,
      details: /^ {2}- duration: .*allowed: 5, 10$/,
    },
    'generate: unknown option': { args: ['generate', goodPayload, '--colour'], stderr: /--colour/ },
    'generate: no server': {
      args: ['generate', goodPayload, '--wait'],
      stderr: new RegExp(`no Temporal server answers at 127\\.0\\.0\\.1:${port} \\(TEMPORAL_ADDRESS\\)`),
    },
    'status: no job id': { args: ['status'], stderr: /expected exactly one job id/ },
    'status: no server': {
      args: ['status', 'job-1'],
      stderr: /no Temporal server answers at .* or unset it/,
    },
    'status: an address that is not host:port': {
      args: ['status', 'job-1'],
      env: { TEMPORAL_ADDRESS: 'temporal.internal' },
      stderr: /TEMPORAL_ADDRESS must be host:port, got "temporal\.internal"/,
    },
    'worker: production without Kling credentials': {
      args: ['worker'],
      env: { NODE_ENV: 'production', DATABASE_URL: 'postgres://u:p@db/jobs' },
      stderr:
        /NODE_ENV=production needs real Kling credentials: KLING_ACCESS_KEY \+ KLING_SECRET_KEY, or KLING_API_KEY/,
    },
    'worker: production without a database': {
      args: ['worker'],
      env: { NODE_ENV: 'production', KLING_API_KEY: 'a-real-looking-key' },
      stderr: /NODE_ENV=production needs DATABASE_URL/,
    },
    'worker: an invalid variable': {
      args: ['worker'],
      env: { KLING_POLL_INTERVAL_SECONDS: 'soon' },
      stderr: /KLING_POLL_INTERVAL_SECONDS: expected a positive number/,
    },
    'worker: no server at TEMPORAL_ADDRESS': { args: ['worker'], stderr: /no Temporal server answers at/ },
  };

  test.each(Object.entries(cases))('%s', async (_name, { args, env, stdin, stderr, details }) => {
    const result = await runCli(args, {
      env: { ...noServer(port), ...env },
      ...(stdin === undefined ? {} : { stdin }),
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const [first, ...rest] = result.stderr.trimEnd().split('\n');
    expect(first).toMatch(new RegExp(`^kling-video ${args[0]}: `));
    expect(first).toMatch(stderr);
    if (details === undefined) expect(rest).toEqual([]);
    else expect(rest.some((line) => details.test(line))).toBe(true);
  });
});

describe.concurrent('--help', spawned, () => {
  test.each(['generate', 'status', 'worker', 'demo'])(
    'kling-video %s --help: the usage, exit 0',
    async (name) => {
      const result = await runCli([name, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: kling-video ${name}`));
      expect(result.stdout).toMatch(/Exit codes: 0 /);
    },
  );

  test('kling-video --help lists the commands', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const name of ['demo', 'generate', 'quote', 'simulator', 'status', 'worker'])
      expect(result.stdout).toMatch(new RegExp(`^ {2}${name} `, 'm'));
  });
});
