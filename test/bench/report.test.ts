import { describe, expect, test } from 'vitest';
import { commandLine } from '../../bench/machine.js';
import type { Configuration } from '../../bench/options.js';
import { renderSection } from '../../bench/report.js';
import type { ConfigurationResult, RunResult } from '../../bench/result.js';
import { distribution } from '../../bench/stats.js';

const MiB = 2 ** 20;

function configuration(design: Configuration['design'], generationSeconds = 60): Configuration {
  return {
    design,
    jobs: 4,
    generationSeconds,
    timeScale: 0.1,
    pollIntervalMs: 1000,
    callbackPollIntervalMs: 6000,
    concurrency: 4,
    maxCachedWorkflows: undefined,
    maxConcurrentActivities: undefined,
  };
}

function result(
  design: Configuration['design'],
  { events, cpu, gets }: { events: number[]; cpu: number; gets: number },
): ConfigurationResult {
  return {
    configuration: configuration(design),
    completed: 4,
    failed: 0,
    wallSeconds: 10,
    throughput: 0.4,
    workerCpuMsPerJob: cpu,
    serverCpuMsPerJob: undefined,
    overheadMs: distribution([500, 700, 900, 1100]),
    klingRequestsPerJob: { 'POST /v1/videos/text2video': 1, 'GET /v1/videos/text2video/{id}': gets },
    klingErrors: design === 'sleep-loop' ? { 'POST /v1/videos/text2video': { '429': 3 } } : {},
    historyEvents: distribution(events),
    historyBytes: distribution(events.map((n) => n * 256)),
    worker: {
      baselineRssBytes: 100 * MiB,
      peakRssBytes: 150 * MiB,
      maxInFlight: 4,
      maxKlingInFlight: 4,
      samples: [],
    },
    loadAverage: { before: 1, after: 2 },
  };
}

const run: RunResult = {
  date: '2026-01-02T03:04:05.000Z',
  machine: { cores: 2, cpuModel: 'Test CPU', memoryGiB: 8, platform: 'linux', node: 'v20' },
  commit: 'abc123',
  command: 'npm run bench -- --jobs 4',
  store: 'PGlite',
  results: [
    result('retry-poll', { events: [42, 42, 42, 42], cpu: 20, gets: 6 }),
    result('sleep-loop', { events: [90, 100, 110, 100], cpu: 50, gets: 6 }),
    { configuration: configuration('heartbeat'), error: 'worker process exited (code 1)\n    at stack' },
  ],
};

describe('renderSection', () => {
  const section = renderSection(run);
  const rows = section.split('\n').filter((line) => line.startsWith('| '));
  const cells = (prefix: string, nth = 0): string[] =>
    rows
      .filter((line) => line.startsWith(`| ${prefix} |`))
      [nth]!.split(' | ')
      .map((cell) => cell.replace(/^\| | \|$/g, ''));

  test('records the run context', () => {
    expect(section).toMatch(/^## 2026-01-02T03:04:05.000Z\n/);
    expect(section).toContain('`npm run bench -- --jobs 4`');
    expect(section).toContain('`abc123`');
    expect(section).toContain('2 cores (Test CPU), 8.0 GiB RAM');
    expect(section).toContain('T × 0.1');
    expect(section).toContain('(10 s in simulated time)');
    expect(section).toContain('PGlite');
  });

  test('one main row per configuration, a failed one with the first line of its error', () => {
    const ours = cells('retry-poll');
    expect(ours.slice(0, 6)).toEqual(['retry-poll', '4', '60 (6.0)', '4', '4/4', '0.40']);
    expect(ours).toContain('0.70 / 1.10 / 1.10 / 1.10');
    expect(ours).toContain('42');
    expect(ours).toContain('100 → 150');
    expect(cells('sleep-loop')).toContain('100.0 (max 110)');
    expect(cells('heartbeat')[4]).toBe('error: worker process exited (code 1)');
  });

  test('requests by route, with the answers other than 200', () => {
    expect(cells('sleep-loop', 1)).toEqual([
      'sleep-loop',
      '4',
      '60 (6.0)',
      '6.00',
      '1.00',
      'POST /v1/videos/text2video 429: 3',
    ]);
    expect(cells('retry-poll', 1).at(-1)).toBe('none');
  });

  test('each alternative as a ratio to retry-poll at the same load', () => {
    const ratios = cells('sleep-loop', 2);
    // worker CPU 50 / 20, history events 100 / 42.
    expect(ratios[4]).toBe('2.50×');
    expect(ratios[9]).toBe(`${(100 / 42).toFixed(2)}×`);
    expect(ratios[5]).toBe('n/a');
  });
});

describe('commandLine', () => {
  test('quotes what a shell would split or expand', () => {
    expect(commandLine([])).toBe('npm run bench');
    expect(commandLine(['--jobs', '1,100', "--out=a b's.json"])).toBe(
      `npm run bench -- --jobs 1,100 '--out=a b'\\''s.json'`,
    );
  });
});
