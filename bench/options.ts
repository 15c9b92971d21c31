// The command line of `npm run bench`: a profile (named groups of parameters), the flags that override it, and
// the configurations it all expands to.
import { z } from 'zod';
import { defaultFallbackCheckMs } from '../src/activities/deps.js';
import { Design, designs } from './designs.js';

// Production's defaults (src/config.ts), in simulated seconds: scaled by the time scale like the generation.
// KLING_POLL_INTERVAL_SECONDS: the poll interval (retry-poll and the other alternatives), the sweep's interval.
const PRODUCTION_INTERVAL_SECONDS = 10;
// KLING_CALLBACK_POLL_INTERVAL_SECONDS: the interval with callbacks on — the `callbacks` design's fallback poll,
// the `sweep+callbacks` design's sweep.
const PRODUCTION_CALLBACK_POLL_SECONDS = 60;
// The server never retries an activity sooner than about this after the previous attempt (bench/README.md).
export const SERVER_RETRY_FLOOR_SECONDS = 1;

/** One cross product of parameters: every design × N × T below runs as one configuration. */
export interface Group {
  readonly designs: readonly Design[];
  /** Jobs per configuration (N). */
  readonly jobs: readonly number[];
  /** Simulated generation time per task (T), seconds before scaling. */
  readonly generationSeconds: readonly number[];
  /** The simulator's time scale: a task takes T × timeScale seconds of wall-clock time. */
  readonly timeScale: number;
  /** Wall-clock seconds between two looks at a task (poll or sweep); `undefined`: production's 10 s, scaled. */
  readonly pollIntervalSeconds: number | undefined;
  /** Wall-clock seconds between looks with callbacks on; `undefined`: production's 60 s, scaled, at least 1 s. */
  readonly callbackPollIntervalSeconds: number | undefined;
  /** Most jobs in flight at once; `undefined` starts every job at once. */
  readonly concurrency: number | undefined;
}

export const Profile = z.enum(['default', 'realistic']);
export type Profile = z.infer<typeof Profile>;

const every = Design.options;
const scaled = { pollIntervalSeconds: undefined, callbackPollIntervalSeconds: undefined } as const;

/**
 * `default`: every design at N = 1000, T = 60 s, scale 0.1, 200 open (the committed tables' configuration).
 * `realistic` (issue 15): production's 10 s interval at T = 60, 120 and 300 s, scale 0.1 (the interval is then
 * 1 s of wall clock, the server's retry floor: the smallest scale at which `retry-poll` can keep it), N = 1000,
 * 200 open; then 10,000 jobs open at once on the `sweep` design, T = 300 s in real time.
 */
export const profiles: Readonly<Record<Profile, readonly Group[]>> = {
  default: [
    { designs: every, jobs: [1000], generationSeconds: [60], timeScale: 0.1, concurrency: 200, ...scaled },
  ],
  realistic: [
    {
      designs: every,
      jobs: [1000],
      generationSeconds: [60, 120, 300],
      timeScale: 0.1,
      concurrency: 200,
      ...scaled,
    },
    {
      designs: ['sweep'],
      jobs: [10_000],
      generationSeconds: [300],
      timeScale: 1,
      concurrency: undefined,
      ...scaled,
    },
  ],
};

export interface BenchOptions {
  readonly profile: Profile;
  /** The profile's groups with the command line's overrides applied; none is empty. */
  readonly groups: readonly Group[];
  /** Worker tuning; `undefined` keeps the SDK default. */
  readonly maxCachedWorkflows: number | undefined;
  readonly maxConcurrentActivities: number | undefined;
  /** Where the JSON result goes; `undefined` picks bench/results/<timestamp>.json (a temp folder with --no-record). */
  readonly out: string | undefined;
  /** Append the table to bench/RESULTS.md (off for trial runs). */
  readonly record: boolean;
}

export interface Configuration {
  readonly design: Design;
  readonly jobs: number;
  readonly generationSeconds: number;
  readonly timeScale: number;
  /** Wall clock: between two looks at a task (the poll, or the sweep). */
  readonly pollIntervalMs: number;
  /** Wall clock: between looks with callbacks on (`callbacks`' fallback poll, `sweep+callbacks`' sweep). */
  readonly callbackPollIntervalMs: number;
  readonly concurrency: number;
  readonly maxCachedWorkflows: number | undefined;
  readonly maxConcurrentActivities: number | undefined;
}

const designList = every
  .map((design) => `    ${design.padEnd(16)} ${designs[design].description}`)
  .join('\n');

export const usage = `Usage: npm run bench -- [options]

  --profile <name>             ${Profile.options.join(' | ')} (default: default); the flags below override it
                                 default:   every design, N = 1000, T = 60 s, time scale 0.1, 200 open
                                 realistic: every design, N = 1000, T = 60,120,300 s, scale 0.1, 200 open;
                                            then sweep, N = 10000, T = 300 s real time (scale 1), all open
  --designs <list>             run only these of the profile's designs (default: all of them):
${designList}
  --jobs <list>                jobs per configuration, N
  --generation <list>          simulated generation time T in seconds, before scaling
  --time-scale <x>             simulator time scale; a task takes T × x wall seconds
  --poll-interval <seconds>    wall-clock interval between looks (polls, sweeps), every design
                               (default: production's 10 s in simulated time, i.e. 10 × time scale;
                               the server retries an activity at most about once a second)
  --callback-poll-interval <s> wall-clock interval between looks with callbacks on (callbacks' fallback
                               poll, sweep+callbacks' sweep; default: production's 60 s in simulated time,
                               i.e. 60 × time scale, at least 1). A sweep job's own check is production's
                               default, 5 intervals and at least 5 minutes, in simulated time
  --concurrency <n|all>        most jobs in flight at once
  --max-cached-workflows <n>   worker option (default: the SDK's, from the heap size)
  --max-concurrent-activities <n>  worker option maxConcurrentActivityTaskExecutions (default: the SDK's, 100)
  --out <file>                 JSON result file (default bench/results/<timestamp>.json)
  --no-record                  a trial: no table appended to bench/RESULTS.md, the JSON goes to the temp folder
  --help

One configuration runs per design × N × T of each group of the profile, each on a fresh dev server, simulator,
store and worker process.`;

/**
 * A sweep job's own check (production's default, src/activities/deps.ts: five sweep intervals, at least five
 * minutes), in simulated time like every other interval: wall-clock milliseconds for a wall-clock sweep interval.
 */
export function jobCheckMs(sweepIntervalMs: number, timeScale: number): number {
  return Math.round(defaultFallbackCheckMs(sweepIntervalMs / timeScale) * timeScale);
}

/** A bad command line; the message says which flag. */
export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

const positive = z.coerce.number().positive();
const count = z.coerce.number().int().positive();

function parseValue<T>(flag: string, schema: z.ZodType<T>, raw: string): T {
  const parsed = schema.safeParse(raw.trim() === '' ? undefined : raw);
  if (!parsed.success)
    throw new BenchUsageError(`--${flag}: "${raw}" is not valid (${parsed.error.issues[0]?.message})`);
  return parsed.data;
}

function parseList<T>(flag: string, schema: z.ZodType<T>, raw: string): T[] {
  return raw.split(',').map((item) => parseValue(flag, schema, item));
}

const valued = new Set([
  'profile',
  'designs',
  'jobs',
  'generation',
  'time-scale',
  'poll-interval',
  'callback-poll-interval',
  'concurrency',
  'max-cached-workflows',
  'max-concurrent-activities',
  'out',
]);

/** `undefined` means `--help`. */
export function parseOptions(argv: readonly string[]): BenchOptions | undefined {
  const values = new Map<string, string>();
  let record = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return undefined;
    if (arg === '--no-record') {
      record = false;
      continue;
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (match === null || !valued.has(match[1]!)) throw new BenchUsageError(`unknown argument "${arg}"`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new BenchUsageError(`--${match[1]} needs a value`);
    values.set(match[1]!, value);
  }
  const optional = <T>(flag: string, parse: (raw: string) => T): T | undefined => {
    const raw = values.get(flag);
    return raw === undefined ? undefined : parse(raw);
  };
  const profile = parseValue('profile', Profile, values.get('profile') ?? 'default');
  const picked = optional('designs', (raw) => [...new Set(parseList('designs', Design, raw))]);
  const override: Partial<Group> = {
    ...optional('jobs', (raw) => ({ jobs: parseList('jobs', count, raw) })),
    ...optional('generation', (raw) => ({ generationSeconds: parseList('generation', positive, raw) })),
    ...optional('time-scale', (raw) => ({ timeScale: parseValue('time-scale', positive, raw) })),
    ...optional('poll-interval', (raw) => ({
      pollIntervalSeconds: parseValue('poll-interval', positive, raw),
    })),
    ...optional('callback-poll-interval', (raw) => ({
      callbackPollIntervalSeconds: parseValue('callback-poll-interval', positive, raw),
    })),
    ...optional('concurrency', (raw) => ({
      concurrency: raw === 'all' ? undefined : parseValue('concurrency', count, raw),
    })),
  };
  const groups = profiles[profile]
    .map((group) => ({
      ...group,
      ...override,
      designs: picked === undefined ? group.designs : picked.filter((d) => group.designs.includes(d)),
    }))
    .filter((group) => group.designs.length > 0);
  if (groups.length === 0)
    throw new BenchUsageError(`--designs: none of ${picked?.join(', ')} is in the ${profile} profile`);
  return {
    profile,
    groups,
    maxCachedWorkflows: optional('max-cached-workflows', (raw) =>
      parseValue('max-cached-workflows', count, raw),
    ),
    maxConcurrentActivities: optional('max-concurrent-activities', (raw) =>
      parseValue('max-concurrent-activities', count, raw),
    ),
    out: values.get('out'),
    record,
  };
}

/**
 * Group by group, design-major within a group, so the rows of one design sit together in the table. A
 * configuration that overrides made equal to an earlier one runs once.
 */
export function configurations(options: BenchOptions): Configuration[] {
  const all = options.groups.flatMap((group) =>
    group.designs.flatMap((design) =>
      group.jobs.flatMap((jobs) =>
        group.generationSeconds.map((generationSeconds) => ({
          design,
          jobs,
          generationSeconds,
          timeScale: group.timeScale,
          pollIntervalMs: Math.round(
            (group.pollIntervalSeconds ?? PRODUCTION_INTERVAL_SECONDS * group.timeScale) * 1000,
          ),
          callbackPollIntervalMs: Math.round(
            (group.callbackPollIntervalSeconds ??
              Math.max(SERVER_RETRY_FLOOR_SECONDS, PRODUCTION_CALLBACK_POLL_SECONDS * group.timeScale)) *
              1000,
          ),
          concurrency: Math.min(group.concurrency ?? jobs, jobs),
          maxCachedWorkflows: options.maxCachedWorkflows,
          maxConcurrentActivities: options.maxConcurrentActivities,
        })),
      ),
    ),
  );
  const seen = new Set<string>();
  return all.filter((c) => {
    const key = JSON.stringify(c);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
