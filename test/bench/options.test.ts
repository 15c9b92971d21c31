import { describe, expect, test } from 'vitest';
import { BenchUsageError, configurations, parseOptions } from '../../bench/options.js';

describe('parseOptions', () => {
  test('no arguments: every design, N = 1000, T = 60 s at scale 0.1, 1 s polls, 200 in flight', () => {
    expect(parseOptions([])).toEqual({
      designs: ['retry-poll', 'callbacks', 'sleep-loop', 'heartbeat'],
      jobs: [1000],
      generationSeconds: [60],
      timeScale: 0.1,
      pollIntervalSeconds: 1,
      callbackPollIntervalSeconds: undefined,
      concurrency: 200,
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
      designs: ['sleep-loop', 'retry-poll'],
      jobs: [1, 100],
      generationSeconds: [60, 240],
      timeScale: 0.05,
      pollIntervalSeconds: 2.5,
      callbackPollIntervalSeconds: 30,
      concurrency: undefined,
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
    [['--jobs', '0'], /--jobs: "0"/],
    [['--jobs', '1.5'], /--jobs: "1.5"/],
    [['--jobs', '10,,20'], /--jobs: ""/],
    [['--generation', '-60'], /--generation: "-60"/],
    [['--concurrency', 'some'], /--concurrency: "some"/],
    [['--jobs'], /--jobs needs a value/],
    [['--speed', '3'], /unknown argument "--speed"/],
    [['1000'], /unknown argument "1000"/],
  ])('%j is refused', (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(BenchUsageError);
    expect(() => parseOptions(argv)).toThrow(message);
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
    expect(list.map((c) => [c.design, c.jobs, c.generationSeconds, c.concurrency])).toEqual([
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

  test("the callbacks design's fallback interval: production's 60 s scaled, at least 1 s, or as given", () => {
    const fallback = (argv: string[]) =>
      configurations(parseOptions(['--designs=callbacks', ...argv])!)[0]!.callbackPollIntervalMs;
    expect(fallback([])).toBe(6000);
    expect(fallback(['--time-scale=0.5'])).toBe(30_000);
    expect(fallback(['--time-scale=0.001'])).toBe(1000);
    expect(fallback(['--callback-poll-interval=2.5'])).toBe(2500);
  });

  test('concurrency "all" starts every job at once', () => {
    const list = configurations(
      parseOptions(['--designs=retry-poll', '--jobs=1,10000', '--concurrency=all'])!,
    );
    expect(list.map((c) => c.concurrency)).toEqual([1, 10000]);
  });
});
