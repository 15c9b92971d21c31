// RESULTS.md sections: the run's context (date, machine, commit, command), one row per configuration, the
// Kling requests by route, and each alternative's ratios to the production design at the same N and T.
import type { Configuration } from './options.js';
import type { ConfigurationResult, FailedConfiguration, RunResult } from './result.js';
import type { Distribution } from './stats.js';

const MiB = 2 ** 20;

export function isMeasured(result: ConfigurationResult | FailedConfiguration): result is ConfigurationResult {
  return !('error' in result);
}

const fixed = (value: number, digits: number): string => value.toFixed(digits);
const seconds = (ms: number): string => fixed(ms / 1000, 2);
const mib = (bytes: number): string => fixed(bytes / MiB, 0);

function eventsCell({ mean, max }: Distribution): string {
  return mean === max ? String(max) : `${fixed(mean, 1)} (max ${max})`;
}

function generationCell({ generationSeconds, timeScale }: Configuration): string {
  return `${generationSeconds} (${fixed(generationSeconds * timeScale, 1)})`;
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)];
}

function mainTable(results: readonly (ConfigurationResult | FailedConfiguration)[]): string[] {
  const header = [
    'design',
    'N',
    'T sim s (wall s)',
    'concurrency',
    'completed',
    'jobs/s',
    'worker CPU ms/job',
    'server CPU ms/job',
    'overhead s p50 / p95 / p99 / max',
    'history events/job',
    'history KiB/job',
    'worker RSS MiB idle → peak',
    'max in flight',
    'load 1 min before → after',
  ];
  const rows = results.map((result) => {
    const c = result.configuration;
    const key = [c.design, String(c.jobs), generationCell(c), String(c.concurrency)];
    if (!isMeasured(result))
      return [...key, `error: ${result.error.split('\n')[0]}`, ...header.slice(5).map(() => '')];
    const o = result.overheadMs;
    return [
      ...key,
      `${result.completed}/${c.jobs}`,
      fixed(result.throughput, 2),
      fixed(result.workerCpuMsPerJob, 1),
      result.serverCpuMsPerJob === undefined ? 'n/a' : fixed(result.serverCpuMsPerJob, 1),
      `${seconds(o.p50)} / ${seconds(o.p95)} / ${seconds(o.p99)} / ${seconds(o.max)}`,
      eventsCell(result.historyEvents),
      fixed(result.historyBytes.mean / 1024, 1),
      `${mib(result.worker.baselineRssBytes)} → ${mib(result.worker.peakRssBytes)}`,
      String(result.worker.maxInFlight),
      `${fixed(result.loadAverage.before, 2)} → ${fixed(result.loadAverage.after, 2)}`,
    ];
  });
  return table(header, rows);
}

function requestsTable(results: readonly ConfigurationResult[]): string[] {
  const routes = [...new Set(results.flatMap((r) => Object.keys(r.klingRequestsPerJob)))].sort();
  const rows = results.map((result) => {
    const c = result.configuration;
    const errors = Object.entries(result.klingErrors).flatMap(([route, byStatus]) =>
      Object.entries(byStatus).map(([status, count]) => `${route} ${status}: ${count}`),
    );
    return [
      c.design,
      String(c.jobs),
      generationCell(c),
      ...routes.map((route) => fixed(result.klingRequestsPerJob[route] ?? 0, 2)),
      errors.length === 0 ? 'none' : errors.join('; '),
    ];
  });
  return table(
    ['design', 'N', 'T sim s (wall s)', ...routes.map((r) => `\`${r}\``), 'answers other than 200'],
    rows,
  );
}

const sameLoad = (a: Configuration, b: Configuration): boolean =>
  a.jobs === b.jobs && a.generationSeconds === b.generationSeconds && a.concurrency === b.concurrency;

function ratio(alternative: number | undefined, ours: number | undefined): string {
  if (alternative === undefined || ours === undefined || ours === 0) return 'n/a';
  return `${fixed(alternative / ours, 2)}×`;
}

function totalRequests(result: ConfigurationResult): number {
  return Object.values(result.klingRequestsPerJob).reduce((sum, n) => sum + n, 0);
}

function ratioTable(results: readonly ConfigurationResult[]): string[] {
  const rows = results.flatMap((alternative) => {
    const c = alternative.configuration;
    const ours = results.find((r) => r.configuration.design === 'retry-poll' && sameLoad(r.configuration, c));
    if (c.design === 'retry-poll' || ours === undefined) return [];
    return [
      [
        c.design,
        String(c.jobs),
        generationCell(c),
        ratio(alternative.throughput, ours.throughput),
        ratio(alternative.workerCpuMsPerJob, ours.workerCpuMsPerJob),
        ratio(alternative.serverCpuMsPerJob, ours.serverCpuMsPerJob),
        ratio(alternative.overheadMs.p50, ours.overheadMs.p50),
        ratio(alternative.overheadMs.p99, ours.overheadMs.p99),
        ratio(totalRequests(alternative), totalRequests(ours)),
        ratio(alternative.historyEvents.mean, ours.historyEvents.mean),
        ratio(alternative.historyBytes.mean, ours.historyBytes.mean),
        ratio(alternative.worker.peakRssBytes, ours.worker.peakRssBytes),
      ],
    ];
  });
  if (rows.length === 0) return [];
  return [
    '',
    'Alternative ÷ retry-poll at the same N, T and concurrency (above 1× means the alternative has more of it):',
    '',
    ...table(
      [
        'design',
        'N',
        'T sim s (wall s)',
        'jobs/s',
        'worker CPU/job',
        'server CPU/job',
        'overhead p50',
        'overhead p99',
        'Kling requests/job',
        'history events',
        'history bytes',
        'worker peak RSS',
      ],
      rows,
    ),
  ];
}

export function renderSection(run: RunResult): string {
  const measured = run.results.filter(isMeasured);
  const first = run.results[0]?.configuration;
  const m = run.machine;
  const lines = [
    `## ${run.date}`,
    '',
    `- Command: \`${run.command}\``,
    `- Commit: \`${run.commit}\``,
    `- Machine: ${m.cores} cores (${m.cpuModel}), ${fixed(m.memoryGiB, 1)} GiB RAM, ${m.platform}, Node ${m.node}; ` +
      'shared with other work while it ran (see the load column), so expect noise of tens of percent.',
  ];
  lines.push(
    run.store === 'PGlite'
      ? "- Store: PGlite in a temp folder, inside the worker process (its CPU and memory count as the worker's)."
      : '- Store: PostgreSQL (DATABASE_URL), outside the worker process.',
  );
  if (first !== undefined) {
    lines.push(
      `- Time scale ${first.timeScale}: T is simulated generation time, the wall-clock time is T × ${first.timeScale}. ` +
        `Poll interval ${first.pollIntervalMs / 1000} s of wall clock for every design ` +
        `(${fixed(first.pollIntervalMs / 1000 / first.timeScale, 0)} s in simulated time).`,
    );
  }
  const callbacks = run.results.find((r) => r.configuration.design === 'callbacks')?.configuration;
  if (callbacks !== undefined) {
    lines.push(
      `- The callbacks design polls only as a fallback, every ${callbacks.callbackPollIntervalMs / 1000} s of wall clock ` +
        `(${fixed(callbacks.callbackPollIntervalMs / 1000 / callbacks.timeScale, 0)} s simulated); callbacks are signed.`,
    );
  }
  lines.push('', ...mainTable(run.results));
  if (measured.length > 0)
    lines.push('', 'Kling requests per job, by route:', '', ...requestsTable(measured));
  lines.push(...ratioTable(measured), '');
  return lines.join('\n');
}
