import { describe, expect, test } from 'vitest';
import { Design } from '../../bench/designs.js';
import { BenchUsageError, configurations, parseOptions, profiles } from '../../bench/options.js';

const key = (c: { design: string; jobs: number; generationSeconds: number; concurrency: number }) =>
  [c.design, c.jobs, c.generationSeconds, c.concurrency] as const;

describe('parseOptions', () => {
  test('no arguments: the default profile, every design, N = 1000, T = 60 s at scale 0.1, 200 in flight', () => {
    expect(parseOptions([])).toEqual({
      profile: 'default',
      groups: [
        {
          designs: ['sweep', 'sweep+callbacks', 'retry-poll', 'callbacks', 'sleep-loop', 'heartbeat'],
          jobs: [1000],
          generationSeconds: [60],
          timeScale: 0.1,
          pollIntervalSeconds: undefined,
          callbackPollIntervalSeconds: undefined,
          concurrency: 200,
        },
      ],
      maxCachedWorkflows: undefined,
      maxConcurrentActivities: undefined,
      out: undefined,
      record: true,
    });
  });

  test('lists, `--flag=value` and `--flag value`, concurrency "all", worker tuning', () => {
    const options = parseOptions([
      '--designs=sleep-loop,retry-poll,sleep-loop',
      '--jobs',
      '1,100',
      '--generation=60,240',
      '--time-scale',
      '0.05',
      '--poll-interval=2.5',
      '--callback-poll-interval',
      '30',
      '--concurrency',
      'all',
      '--max-cached-workflows=5000',
      '--max-concurrent-activities',
      '300',
      '--out',
      '/tmp/x.json',
      '--no-record',
    ]);
    expect(options).toEqual({
      profile: 'default',
      groups: [
        {
          designs: ['sleep-loop', 'retry-poll'],
          jobs: [1, 100],
          generationSeconds: [60, 240],
          timeScale: 0.05,
          pollIntervalSeconds: 2.5,
          callbackPollIntervalSeconds: 30,
          concurrency: undefined,
        },
      ],
      maxCachedWorkflows: 5000,
      maxConcurrentActivities: 300,
      out: '/tmp/x.json',
      record: false,
    });
  });

  test('--help', () => {
    expect(parseOptions(['--jobs', '5', '--help'])).toBeUndefined();
  });

  test.each([
    [['--designs', 'busy-wait'], /--designs: "busy-wait"/],
    [['--profile', 'fast'], /--profile: "fast"/],
    [['--jobs', '0'], /--jobs: "0"/],
    [['--jobs', '1.5'], /--jobs: "1.5"/],
    [['--jobs', '10,,20'], /--jobs: ""/],
    [['--generation', '-60'], /--generation: "-60"/],
    [['--concurrency', 'some'], /--concurrency: "some"/],
    [['--jobs'], /--jobs needs a value/],
    [['--speed', '3'], /unknown argument "--speed"/],
    [['--fallback-interval', '3'], /unknown argument "--fallback-interval"/],
    [['1000'], /unknown argument "1000"/],
  ])('%j is refused', (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(BenchUsageError);
    expect(() => parseOptions(argv)).toThrow(message);
  });
});

describe('the realistic profile', () => {
  test('every design at T = 60, 120, 300 s (N = 1000, 200 open, scale 0.1), then 10,000 sweep jobs in real time', () => {
    const list = configurations(parseOptions(['--profile', 'realistic'])!);
    const scaled = list.filter((c) => c.timeScale === 0.1);
    expect(scaled.map(key)).toEqual(
      Design.options.flatMap((design) => [60, 120, 300].map((t) => [design, 1000, t, 200])),
    );
    expect(list.filter((c) => c.timeScale === 1).map(key)).toEqual([['sweep', 10_000, 300, 10_000]]);
    expect(list).toHaveLength(scaled.length + 1);
  });

  test("production's 10 s interval in simulated time: 1 s of wall clock at scale 0.1, 10 s in real time", () => {
    const list = configurations(parseOptions(['--profile=realistic'])!);
    for (const c of list) expect(c.pollIntervalMs / c.timeScale).toBeCloseTo(10_000);
    expect(new Set(list.map((c) => c.pollIntervalMs))).toEqual(new Set([1000, 10_000]));
    expect(new Set(list.map((c) => c.callbackPollIntervalMs))).toEqual(new Set([6000, 60_000]));
  });

  test('flags override every group; --designs picks among the designs of each group, dropping emptied groups', () => {
    const smaller = configurations(
      parseOptions(['--profile=realistic', '--jobs=30', '--concurrency=10', '--time-scale=0.1'])!,
    );
    expect(new Set(smaller.map((c) => [c.jobs, c.concurrency, c.timeScale].join()))).toEqual(
      new Set(['30,10,0.1']),
    );
    // The 10,000-job group became N = 30 at T = 300 s, scale 0.1: the first group's configuration, run once.
    expect(smaller.filter((c) => c.design === 'sweep').map((c) => c.generationSeconds)).toEqual([
      60, 120, 300,
    ]);
    const realTime = configurations(parseOptions(['--profile=realistic', '--jobs=30', '--concurrency=10'])!);
    expect(
      realTime.filter((c) => c.design === 'sweep').map((c) => [c.generationSeconds, c.timeScale]),
    ).toEqual([
      [60, 0.1],
      [120, 0.1],
      [300, 0.1],
      [300, 1],
    ]);

    const picked = parseOptions(['--profile=realistic', '--designs=retry-poll,sweep'])!;
    expect(picked.groups.map((g) => g.designs)).toEqual([['retry-poll', 'sweep'], ['sweep']]);
    expect(parseOptions(['--profile=realistic', '--designs=heartbeat'])!.groups).toHaveLength(1);
  });

  test('every profile names only known designs and at least one configuration', () => {
    for (const groups of Object.values(profiles)) {
      expect(groups.length).toBeGreaterThan(0);
      for (const group of groups)
        for (const design of group.designs) expect(Design.options).toContain(design);
    }
  });
});

describe('configurations', () => {
  test('design × N × T, design-major, concurrency capped at N, poll interval in ms', () => {
    const options = parseOptions([
      '--designs=retry-poll,heartbeat',
      '--jobs=100,1000',
      '--generation=60,240',
      '--concurrency=200',
      '--poll-interval=1.5',
    ])!;
    const list = configurations(options);
    expect(list.map(key)).toEqual([
      ['retry-poll', 100, 60, 100],
      ['retry-poll', 100, 240, 100],
      ['retry-poll', 1000, 60, 200],
      ['retry-poll', 1000, 240, 200],
      ['heartbeat', 100, 60, 100],
      ['heartbeat', 100, 240, 100],
      ['heartbeat', 1000, 60, 200],
      ['heartbeat', 1000, 240, 200],
    ]);
    expect(new Set(list.map((c) => c.pollIntervalMs))).toEqual(new Set([1500]));
  });

  test("intervals default to production's 10 s and 60 s scaled; the slow check at least 1 s; or as given", () => {
    const first = (argv: string[]) => configurations(parseOptions(['--designs=callbacks', ...argv])!)[0]!;
    expect(first([])).toMatchObject({ pollIntervalMs: 1000, callbackPollIntervalMs: 6000 });
    expect(first(['--time-scale=0.5'])).toMatchObject({
      pollIntervalMs: 5000,
      callbackPollIntervalMs: 30_000,
    });
    expect(first(['--time-scale=0.001'])).toMatchObject({ pollIntervalMs: 10, callbackPollIntervalMs: 1000 });
    expect(first(['--poll-interval=3', '--callback-poll-interval=2.5'])).toMatchObject({
      pollIntervalMs: 3000,
      callbackPollIntervalMs: 2500,
    });
  });

  test('concurrency "all" starts every job at once', () => {
    const list = configurations(
      parseOptions(['--designs=retry-poll', '--jobs=1,10000', '--concurrency=all'])!,
    );
    expect(list.map((c) => c.concurrency)).toEqual([1, 10000]);
  });
});
