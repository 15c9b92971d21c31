import { parseArgs, type ParseArgsConfig } from 'node:util';
import { defaultKnobs, knobFlags, parseKnobValue, SimulatorKnobsUpdate } from '../kling/simulator/knobs.js';
import { DEFAULT_SIMULATOR_CREDENTIALS, startSimulator } from '../kling/simulator/simulator.js';
import { UsageError, type Command } from './command.js';

const serverFlags = [
  ['port', 'port to listen on; 0 picks a free one', '0'],
  ['host', 'interface to listen on', '127.0.0.1'],
  [
    'seed',
    'seed of every random choice (ids, jitter, rates); random when absent, printed at start',
    'random',
  ],
  ['access-key', 'accepted JWT issuer (iss)', DEFAULT_SIMULATOR_CREDENTIALS.accessKey],
  ['secret-key', 'accepted JWT HS256 secret', DEFAULT_SIMULATOR_CREDENTIALS.secretKey],
  ['api-key', 'accepted static API key', DEFAULT_SIMULATOR_CREDENTIALS.apiKey],
  ['webhook-secret', 'whsec_<base64>: sign callbacks (Standard Webhooks)', 'unsigned'],
] as const;

const knobEntries = Object.entries(knobFlags) as [
  keyof typeof knobFlags,
  (typeof knobFlags)[keyof typeof knobFlags],
][];

const formatDefault = (value: string | number | boolean | readonly number[] | null): string =>
  value === null ? 'none' : typeof value === 'object' ? value.join(',') || '(empty)' : String(value);

const line = (flag: string, help: string, fallback: string): string =>
  `  --${flag.padEnd(24)}${help} [default: ${fallback}]`;

const help = [
  'Usage: kling-video simulator [options]',
  '',
  'Runs a local Kling API (kling-api.md protocol) for tests, demos and benchmarks: both API generations — the',
  'legacy create / get / list on text2video, image2video, multi-image2video, omni-video and video-extend (JWT',
  "or API key), and the new design standard's creates on text-to-video, image-to-video and omni-video with",
  'GET /tasks and POST /tasks (API key only) — per-model validation, a timed task lifecycle, callbacks of either',
  'shape and injectable failures. Stops on SIGINT / SIGTERM.',
  '',
  'Server:',
  ...serverFlags.map(([flag, text, fallback]) => line(flag, text, fallback)),
  '  --quiet                   do not print a line per request, transition and callback',
  '',
  'Behaviour (also settable while running: POST /__simulator/faults with JSON {"camelCaseName": value}):',
  ...knobEntries.map(([key, { flag, help: text }]) => line(flag, text, formatDefault(defaultKnobs[key]))),
  '',
  'Admin endpoints (no auth): GET /__simulator/counters (requests per route and status, codes, tasks created,',
  'in flight, max in flight, callbacks), GET /__simulator/tasks (tasks with transition times),',
  'GET|POST /__simulator/faults, GET /__simulator/videos/<id>.mp4 (the output videos).',
].join('\n');

const parseConfig = {
  options: {
    ...Object.fromEntries(serverFlags.map(([flag]) => [flag, { type: 'string' }])),
    ...Object.fromEntries(knobEntries.map(([, { flag }]) => [flag, { type: 'string' }])),
    quiet: { type: 'boolean' },
  },
  allowPositionals: false,
  strict: true,
} satisfies ParseArgsConfig;

function parse(argv: readonly string[]) {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ ...parseConfig, args: [...argv] }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const text = (flag: string): string | undefined => {
    const value = values[flag];
    return typeof value === 'string' ? value : undefined;
  };
  const integer = (flag: string): number | undefined => {
    const value = text(flag);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value))
      throw new UsageError(`--${flag} must be a non-negative integer, got "${value}"`);
    return Number(value);
  };
  const knobInput = Object.fromEntries(
    knobEntries.flatMap(([key, { flag, kind }]) => {
      const value = text(flag);
      return value === undefined ? [] : [[key, parseKnobValue(kind, value)]];
    }),
  );
  const knobs = SimulatorKnobsUpdate.safeParse(knobInput);
  if (!knobs.success) {
    const issue = knobs.error.issues[0];
    const key = issue?.path[0] as keyof typeof knobFlags | undefined;
    throw new UsageError(
      `--${key === undefined ? '?' : knobFlags[key].flag}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const webhookSecret = text('webhook-secret');
  if (webhookSecret !== undefined && !/^whsec_[A-Za-z0-9+/]+=*$/.test(webhookSecret)) {
    throw new UsageError('--webhook-secret must look like whsec_<base64>');
  }
  return {
    ...knobs.data,
    port: integer('port') ?? 0,
    host: text('host') ?? '127.0.0.1',
    seed: integer('seed'),
    accessKey: text('access-key'),
    secretKey: text('secret-key'),
    apiKey: text('api-key'),
    webhookSecret,
    quiet: values.quiet === true,
  };
}

export const simulatorCommand: Command = {
  help,
  async run(argv) {
    const { quiet, ...options } = parse(argv);
    const simulator = await startSimulator({
      ...options,
      log: quiet ? () => {} : (entry) => process.stdout.write(`${new Date().toISOString()} ${entry}\n`),
    });
    const { accessKey, secretKey, apiKey } = simulator.credentials;
    process.stdout.write(
      [
        `Kling simulator listening on ${simulator.url} (seed ${simulator.seed})`,
        `  access key + secret key (JWT): ${accessKey} / ${secretKey}`,
        `  API key:                       ${apiKey}`,
        `  callbacks:                     ${options.webhookSecret === undefined ? 'unsigned' : 'signed'}`,
        `  counters:                      ${simulator.url}/__simulator/counters`,
        'Press Ctrl+C to stop.',
        '',
      ].join('\n'),
    );
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      const stop = (received: NodeJS.Signals): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve(received);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await simulator.close();
    process.stdout.write(`Kling simulator stopped (${signal}).\n`);
    return 0;
  },
};
