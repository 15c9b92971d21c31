import { describe, expect, test } from 'vitest';
import { commandLine } from '../../bench/machine.js';
import { renderSection } from '../../bench/report.js';
import type { RunResult } from '../../bench/result.js';
import { configuration, result } from './result-fixture.js';

const run: RunResult = {
  date: '2026-01-02T03:04:05.000Z',
  machine: { cores: 2, cpuModel: 'Test CPU', memoryGiB: 8, platform: 'linux', node: 'v20' },
  commit: 'abc123',
  command: 'npm run bench -- --jobs 4',
  store: 'PGlite',
  results: [
    result('retry-poll', { events: [42, 42, 42, 42], workerCpu: 20, serverCpu: undefined, gets: 6 }),
    result('sleep-loop', { events: [90, 100, 110, 100], workerCpu: 50, serverCpu: undefined, gets: 6 }),
    result('sweep', {
      events: [14, 14, 14, 14],
      workflowTasks: [3, 3, 3, 3],
      workerCpu: 10,
      serverCpu: undefined,
      gets: 1,
      pages: 0.5,
      // 2 runs of a sweep: 8 events and 2 workflow tasks per job once spread over the 4 jobs.
      shared: { runs: 2, workflowTypes: ['statusSweep'], events: 32, bytes: 4096, workflowTasks: 8 },
    }),
    { configuration: configuration('heartbeat'), error: 'worker process exited (code 1)\n    at stack' },
    result('sweep', {}, { jobs: 10_000, generationSeconds: 300, timeScale: 1, pollIntervalMs: 10_000 }),
  ],
};

describe('renderSection', () => {
  const section = renderSection(run);
  const rows = section.split('\n').filter((line) => line.startsWith('| '));
  /** The body rows of the table under the line that starts with `caption`. */
  const tableAfter = (caption: string): string[] => {
    const lines = section.split('\n');
    const start = lines.findIndex((line) => line.startsWith(caption)) + 4;
    const end = lines.findIndex((line, index) => index >= start && !line.startsWith('| '));
    return lines.slice(start, end);
  };
  const cells = (prefix: string, nth = 0): string[] =>
    rows
      .filter((line) => line.startsWith(`| ${prefix} |`))
      [nth]!.split(' | ')
      .map((cell) => cell.replace(/^\| | \|$/g, ''));

  test('records the run context, one line per time scale', () => {
    expect(section).toMatch(/^## 2026-01-02T03:04:05.000Z\n/);
    expect(section).toContain('`npm run bench -- --jobs 4`');
    expect(section).toContain('`abc123`');
    expect(section).toContain('2 cores (Test CPU), 8.0 GiB RAM');
    expect(section).toContain('PGlite');
    expect(section).toContain(
      '- Time scale 0.1: T is simulated generation time, the wall-clock time is T × 0.1.',
    );
    expect(section).toContain('(polls, sweeps) 1 s of wall clock (10 s simulated) for every design');
    expect(section).toContain('with callbacks on 6 s of wall clock (60 s simulated)');
    // Production's default for a job's own check, ten minutes, in simulated time.
    expect(section).toContain("a sweep job's own check after 60 s of wall clock (600 s simulated)");
    expect(section).toContain(
      '- Time scale 1: T is simulated generation time, the wall-clock time is T × 1 (real time).',
    );
    expect(section).toContain('`sweep`, `sweep+callbacks`');
  });

  test('an interval below the retry floor of the server is called out', () => {
    const fast = renderSection({
      ...run,
      results: [result('retry-poll', {}, { timeScale: 0.05, pollIntervalMs: 500 })],
    });
    expect(fast).toContain('(10 s simulated)');
    expect(fast).toContain("Below the server's ~1 s retry floor");
    expect(section).not.toContain('retry floor');
  });

  test('one main row per configuration, a failed one with the first line of its error', () => {
    const ours = cells('retry-poll');
    expect(ours.slice(0, 6)).toEqual(['retry-poll', '4', '60 (6.0)', '4', '4/4', '0.40']);
    expect(ours).toContain('0.70 / 1.10 / 1.10 / 1.10');
    expect(ours[9]).toBe('0.30 / 2.50');
    expect(ours.slice(10, 12)).toEqual(['42', '7']);
    expect(ours).toContain('100 → 150');
    expect(ours).toContain('4 / 4');
    expect(cells('sleep-loop')).toContain('100.0 (max 110)');
    expect(cells('heartbeat')[4]).toBe('error: worker process exited (code 1)');
  });

  test('a shared workflow is spread over the jobs next to their own history', () => {
    const sweep = cells('sweep | 4');
    expect(sweep.slice(10, 13)).toEqual([
      '14 + 8.00 shared',
      '3 + 2.00 shared',
      `${((14 * 256 + 1024) / 1024).toFixed(1)}`,
    ]);
  });

  test('requests by kind and by route, with what Kling answered and its answers other than 200', () => {
    const header = rows.find((line) => line.includes('status reads'))!;
    expect(header).toContain('`GET /v1/videos/text2video/{task_id}`');
    expect(header).toContain('`GET /v1/videos/text2video`');
    // status reads, of them in batches, creates, lookups, then the routes (list, by id, POST), then the simulator.
    expect(cells('sweep | 4', 1).slice(3)).toEqual([
      '1.50',
      '0.50',
      '1.00',
      '0.00',
      '0.50',
      '1.00',
      '1.00',
      '2.50',
      'none',
    ]);
    expect(cells('sleep-loop', 1).at(-1)).toBe('POST /v1/videos/text2video 429: 3');
    expect(cells('retry-poll', 1).at(-1)).toBe('none');
  });

  test('every other design as a ratio to retry-poll at the same load, shared history included', () => {
    const ratios = cells('sleep-loop', 2);
    // worker CPU 50 / 20, history events 100 / 42; no server CPU, so no total.
    expect(ratios[4]).toBe('n/a');
    expect(ratios[5]).toBe('2.50×');
    expect(ratios[6]).toBe('n/a');
    expect(ratios[11]).toBe(`${(100 / 42).toFixed(2)}×`);
    expect(cells('sweep | 4', 2)[11]).toBe(`${(22 / 42).toFixed(2)}×`);
    expect(cells('sweep | 4', 2)[12]).toBe(`${(5 / 7).toFixed(2)}×`);
    // The 10,000-job sweep has no retry-poll at its load: no ratio row.
    expect(tableAfter('Each design ÷ retry-poll').map((line) => line.split(' | ')[0])).toEqual([
      '| sleep-loop',
      '| sweep',
    ]);
  });

  test("issue 15's targets on the production rows only", () => {
    const targets = rows.filter((line) => /\| (met|not met|n\/a) \|$/.test(line));
    expect(targets.length).toBeGreaterThan(0);
    for (const line of targets) expect(line).toMatch(/^\| sweep \|/);
    expect(targets.find((line) => line.includes('history events per job ≤ 20'))).toContain('| not met |');
    expect(targets.find((line) => line.includes('workflow tasks per job ≤ 3'))).toContain('| not met |');
    expect(targets.find((line) => line.includes('≤ 0.5× retry-poll'))).toContain('| n/a |');
  });
});

describe('commandLine', () => {
  test('quotes what a shell would split or expand', () => {
    expect(commandLine([])).toBe('npm run bench');
    expect(commandLine(['--jobs', '1,100', "--out=a b's.json"])).toBe(
      `npm run bench -- --jobs 1,100 '--out=a b'\\''s.json'`,
    );
    expect(commandLine(['--designs', 'sweep+callbacks'])).toBe('npm run bench -- --designs sweep+callbacks');
  });
});
