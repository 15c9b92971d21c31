// The command line of `npm run bench`: every parameter that shapes a run, and the configurations it expands to.
import { z } from 'zod';
import { Design } from './designs.js';

// KLING_CALLBACK_POLL_INTERVAL_SECONDS' default (src/config.ts): with callbacks on, polling is only the fallback.
const PRODUCTION_CALLBACK_POLL_SECONDS = 60;

export interface BenchOptions {
  readonly designs: readonly Design[];
  /** Jobs per configuration (N); a list runs one configuration per value. */
  readonly jobs: readonly number[];
  /** Simulated generation time per task (T), seconds before scaling; a list runs one configuration per value. */
  readonly generationSeconds: readonly number[];
  /** The simulator's time scale: a task takes T × timeScale seconds of wall-clock time. */
  readonly timeScale: number;
  /** Wall-clock seconds between two looks at a task, the same for every polling design. */
  readonly pollIntervalSeconds: number;
  /** The callbacks design's fallback poll interval, wall-clock seconds; `undefined`: production's 60 s, scaled. */
  readonly callbackPollIntervalSeconds: number | undefined;
  /** Most jobs in flight at once; `undefined` starts every job at once. */
  readonly concurrency: number | undefined;
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
  readonly pollIntervalMs: number;
  /** The callbacks design's fallback poll interval (wall clock); callbacks are what it waits for. */
  readonly callbackPollIntervalMs: number;
  readonly concurrency: number;
  readonly maxCachedWorkflows: number | undefined;
  readonly maxConcurrentActivities: number | undefined;
}

export const usage = `Usage: npm run bench -- [options]

  --designs <list>             ${Design.options.join(',')} (default: all)
  --jobs <list>                jobs per configuration, N (default 1000)
  --generation <list>          simulated generation time T in seconds, before scaling (default 60)
  --time-scale <x>             simulator time scale; a task takes T × x wall seconds (default 0.1)
  --poll-interval <seconds>    wall-clock poll interval, every design (default 1; the server floor is ~1 s)
  --callback-poll-interval <s> the callbacks design's fallback poll interval, wall seconds
                               (default: production's 60 s in simulated time, i.e. 60 × time scale, at least 1)
  --concurrency <n|all>        most jobs in flight at once (default 200)
  --max-cached-workflows <n>   worker option (default: the SDK's, from the heap size)
  --max-concurrent-activities <n>  worker option maxConcurrentActivityTaskExecutions (default: the SDK's, 100)
  --out <file>                 JSON result file (default bench/results/<timestamp>.json)
  --no-record                  a trial: no table appended to bench/RESULTS.md, the JSON goes to the temp folder
  --help

One configuration runs per design × N × T, each on a fresh dev server, simulator, store and worker process.`;

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
  const get = (flag: string, fallback: string): string => values.get(flag) ?? fallback;
  const optional = <T>(flag: string, schema: z.ZodType<T>): T | undefined => {
    const raw = values.get(flag);
    return raw === undefined ? undefined : parseValue(flag, schema, raw);
  };
  const concurrency = get('concurrency', '200');
  return {
    designs: [...new Set(parseList('designs', Design, get('designs', Design.options.join(','))))],
    jobs: parseList('jobs', count, get('jobs', '1000')),
    generationSeconds: parseList('generation', positive, get('generation', '60')),
    timeScale: parseValue('time-scale', positive, get('time-scale', '0.1')),
    pollIntervalSeconds: parseValue('poll-interval', positive, get('poll-interval', '1')),
    callbackPollIntervalSeconds: optional('callback-poll-interval', positive),
    concurrency: concurrency === 'all' ? undefined : parseValue('concurrency', count, concurrency),
    maxCachedWorkflows: optional('max-cached-workflows', count),
    maxConcurrentActivities: optional('max-concurrent-activities', count),
    out: values.get('out'),
    record,
  };
}

/** Design-major order, so the rows of one design sit together in the table. */
export function configurations(options: BenchOptions): Configuration[] {
  return options.designs.flatMap((design) =>
    options.jobs.flatMap((jobs) =>
      options.generationSeconds.map((generationSeconds) => ({
        design,
        jobs,
        generationSeconds,
        timeScale: options.timeScale,
        pollIntervalMs: Math.round(options.pollIntervalSeconds * 1000),
        callbackPollIntervalMs: Math.round(
          (options.callbackPollIntervalSeconds ??
            Math.max(1, PRODUCTION_CALLBACK_POLL_SECONDS * options.timeScale)) * 1000,
        ),
        concurrency: Math.min(options.concurrency ?? jobs, jobs),
        maxCachedWorkflows: options.maxCachedWorkflows,
        maxConcurrentActivities: options.maxConcurrentActivities,
      })),
    ),
  );
}
