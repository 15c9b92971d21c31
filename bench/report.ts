// RESULTS.md sections: the run's context (date, machine, commit, command), one row per configuration, the
// Kling requests by kind and route, every design's ratios to `retry-poll` at the same N and T, and issue 15's
// targets judged on the production designs.
import { designs } from './designs.js';
import { jobCheckMs, SERVER_RETRY_FLOOR_SECONDS, type Configuration } from './options.js';
import {
  cpuPerJob,
  eventsPerJob,
  historyBytesPerJob,
  klingAnsweredPerJob,
  statusRequestsPerJob,
  workflowTasksPerJob,
} from './per-job.js';
import type { ConfigurationResult, FailedConfiguration, RunResult } from './result.js';
import type { Distribution } from './stats.js';
import { checkTargets } from './targets.js';

const MiB = 2 ** 20;

export function isMeasured(result: ConfigurationResult | FailedConfiguration): result is ConfigurationResult {
  return !('error' in result);
}

const fixed = (value: number, digits: number): string => value.toFixed(digits);
const seconds = (ms: number): string => fixed(ms / 1000, 2);
const mib = (bytes: number): string => fixed(bytes / MiB, 0);
const simulated = (wallMs: number, c: Configuration): string => fixed(wallMs / 1000 / c.timeScale, 0);
const wall = (ms: number, c: Configuration): string =>
  `${ms / 1000} s of wall clock (${simulated(ms, c)} s simulated)`;

function meanCell({ mean, max }: Distribution, digits: number): string {
  return mean === max ? String(max) : `${fixed(mean, digits)} (max ${max})`;
}

/** The job's own count, then the shared workflows' ÷ N when the design has any. */
function withShared(own: string, sharedTotal: number, result: ConfigurationResult): string {
  return result.shared.runs === 0
    ? own
    : `${own} + ${fixed(sharedTotal / result.configuration.jobs, 2)} shared`;
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
    'start → Kling task s p50 / p99',
    'history events/job',
    'workflow tasks/job',
    'history KiB/job',
    'worker RSS MiB idle → peak',
    'max in flight',
    'one Kling task / billed',
    'load 1 min before → after (cores busy at start)',
  ];
  const rows = results.map((result) => {
    const c = result.configuration;
    const key = [c.design, String(c.jobs), generationCell(c), String(c.concurrency)];
    if (!isMeasured(result))
      return [...key, `error: ${result.error.split('\n')[0]}`, ...header.slice(5).map(() => '')];
    const o = result.overheadMs;
    const failedTasks = result.workflowTaskFailures.mean;
    const tasks = withShared(meanCell(result.workflowTasks, 2), result.shared.workflowTasks, result);
    return [
      ...key,
      `${result.completed}/${c.jobs}`,
      fixed(result.throughput, 2),
      fixed(result.workerCpuMsPerJob, 1),
      result.serverCpuMsPerJob === undefined ? 'n/a' : fixed(result.serverCpuMsPerJob, 1),
      `${seconds(o.p50)} / ${seconds(o.p95)} / ${seconds(o.p99)} / ${seconds(o.max)}`,
      result.submitDelayMs === undefined || result.submitDelayMs.count === 0
        ? 'n/a'
        : `${seconds(result.submitDelayMs.p50)} / ${seconds(result.submitDelayMs.p99)}`,
      withShared(meanCell(result.historyEvents, 1), result.shared.events, result),
      failedTasks === 0 ? tasks : `${tasks} (${fixed(failedTasks, 2)} failed)`,
      fixed(historyBytesPerJob(result) / 1024, 1),
      `${mib(result.worker.baselineRssBytes)} → ${mib(result.worker.peakRssBytes)}`,
      String(result.worker.maxInFlight),
      `${result.audit.oneTask} / ${result.audit.billed}`,
      `${fixed(result.loadAverage.before, 2)} → ${fixed(result.loadAverage.after, 2)}` +
        (result.quietStart === undefined || !Number.isFinite(result.quietStart.busyCores)
          ? ''
          : ` (${fixed(result.quietStart.busyCores, 2)})`),
    ];
  });
  return table(header, rows);
}

function requestsTable(results: readonly ConfigurationResult[]): string[] {
  const routes = [...new Set(results.flatMap((r) => Object.keys(r.klingClientRequestsPerJob)))].sort();
  const rows = results.map((result) => {
    const c = result.configuration;
    const kinds = result.klingRequestKindsPerJob;
    const errors = Object.entries(result.klingErrors).flatMap(([route, byStatus]) =>
      Object.entries(byStatus).map(([status, count]) => `${route} ${status}: ${count}`),
    );
    return [
      c.design,
      String(c.jobs),
      generationCell(c),
      fixed(statusRequestsPerJob(result), 2),
      fixed(kinds.statusBatch, 2),
      fixed(kinds.create, 2),
      fixed(kinds.lookup, 2),
      ...routes.map((route) => fixed(result.klingClientRequestsPerJob[route] ?? 0, 2)),
      fixed(klingAnsweredPerJob(result), 2),
      errors.length === 0 ? 'none' : errors.join('; '),
    ];
  });
  return table(
    [
      'design',
      'N',
      'T sim s (wall s)',
      'status reads',
      'of them in batches',
      'creates',
      'lookups',
      ...routes.map((r) => `\`${r}\``),
      'Kling answered',
      'answers other than 200',
    ],
    rows,
  );
}

const sameLoad = (a: Configuration, b: Configuration): boolean =>
  a.jobs === b.jobs && a.generationSeconds === b.generationSeconds && a.concurrency === b.concurrency;

function ratio(other: number | undefined, base: number | undefined): string {
  if (other === undefined || base === undefined || base === 0) return 'n/a';
  return `${fixed(other / base, 2)}×`;
}

function ratioTable(results: readonly ConfigurationResult[]): string[] {
  const rows = results.flatMap((other) => {
    const c = other.configuration;
    const base = results.find((r) => r.configuration.design === 'retry-poll' && sameLoad(r.configuration, c));
    if (c.design === 'retry-poll' || base === undefined) return [];
    return [
      [
        c.design,
        String(c.jobs),
        generationCell(c),
        ratio(other.throughput, base.throughput),
        ratio(cpuPerJob(other), cpuPerJob(base)),
        ratio(other.workerCpuMsPerJob, base.workerCpuMsPerJob),
        ratio(other.serverCpuMsPerJob, base.serverCpuMsPerJob),
        ratio(other.overheadMs.p50, base.overheadMs.p50),
        ratio(other.overheadMs.p99, base.overheadMs.p99),
        ratio(statusRequestsPerJob(other), statusRequestsPerJob(base)),
        ratio(klingAnsweredPerJob(other), klingAnsweredPerJob(base)),
        ratio(eventsPerJob(other), eventsPerJob(base)),
        ratio(workflowTasksPerJob(other), workflowTasksPerJob(base)),
        ratio(historyBytesPerJob(other), historyBytesPerJob(base)),
        ratio(other.worker.peakRssBytes, base.worker.peakRssBytes),
      ],
    ];
  });
  if (rows.length === 0) return [];
  return [
    '',
    'Each design ÷ retry-poll at the same N, T and concurrency (above 1× means the design has more of it; ' +
      'history and workflow tasks include the shared workflows ÷ N):',
    '',
    ...table(
      [
        'design',
        'N',
        'T sim s (wall s)',
        'jobs/s',
        'worker + server CPU/job',
        'worker CPU/job',
        'server CPU/job',
        'overhead p50',
        'overhead p99',
        'Kling status reads/job',
        'Kling requests/job',
        'history events',
        'workflow tasks',
        'history bytes',
        'worker peak RSS',
      ],
      rows,
    ),
  ];
}

function targetsTable(results: readonly ConfigurationResult[]): string[] {
  const checks = checkTargets(results);
  if (checks.length === 0) return [];
  return [
    '',
    "Issue 15's targets, on the production designs (history and workflow tasks include the shared workflows ÷ N):",
    '',
    ...table(
      ['design', 'N', 'T sim s (wall s)', 'concurrency', 'target', 'measured', 'verdict'],
      checks.map(({ configuration: c, target, measured, verdict }) => [
        c.design,
        String(c.jobs),
        generationCell(c),
        String(c.concurrency),
        target,
        measured,
        verdict,
      ]),
    ),
  ];
}

/** One line per time scale and interval in the run: the profile's groups may differ. */
function timeLines(configurations: readonly Configuration[]): string[] {
  const lines = new Set<string>();
  for (const c of configurations) {
    let line =
      `- Time scale ${c.timeScale}: T is simulated generation time, the wall-clock time is T × ${c.timeScale}` +
      `${c.timeScale === 1 ? ' (real time)' : ''}. Interval between looks (polls, sweeps) ` +
      `${wall(c.pollIntervalMs, c)} for every design; with callbacks on ${wall(c.callbackPollIntervalMs, c)} ` +
      `(\`callbacks\`' fallback poll, \`sweep+callbacks\`' sweep); a sweep job's own check after ` +
      `${wall(jobCheckMs(c.pollIntervalMs, c.timeScale), c)}, with callbacks ` +
      `${wall(jobCheckMs(c.callbackPollIntervalMs, c.timeScale), c)}.`;
    if (c.pollIntervalMs < SERVER_RETRY_FLOOR_SECONDS * 1000)
      line +=
        " Below the server's ~1 s retry floor: `retry-poll` and `callbacks` poll less often than asked.";
    lines.add(line);
  }
  return [...lines];
}

export function renderSection(run: RunResult): string {
  const measured = run.results.filter(isMeasured);
  const m = run.machine;
  const production = Object.entries(designs)
    .filter(([, spec]) => spec.side === 'production')
    .map(([design]) => `\`${design}\``)
    .join(', ');
  const lines = [
    `## ${run.date}`,
    '',
    `- Command: \`${run.command}\``,
    `- Commit: \`${run.commit}\``,
    `- Machine: ${m.cores} cores (${m.cpuModel}), ${fixed(m.memoryGiB, 1)} GiB RAM, ${m.platform}, Node ${m.node}; ` +
      'shared with other work while it ran (see the load column), so expect noise of tens of percent.',
    run.store === 'PGlite'
      ? "- Store: PGlite in a temp folder, inside the worker process (its CPU and memory count as the worker's)."
      : '- Store: PostgreSQL (DATABASE_URL), outside the worker process.',
    ...timeLines(run.results.map((r) => r.configuration)),
    `- Production designs (src/workflows at the commit above): ${production}; the others are frozen in ` +
      'bench/alternatives. Callbacks, where on, are signed.',
    '',
    ...mainTable(run.results),
  ];
  if (measured.length > 0)
    lines.push(
      '',
      "Kling requests per job, by what they were for and by route (the worker's Kling client, first start to " +
        'last close), and what Kling (the simulator) answered in all:',
      '',
      ...requestsTable(measured),
    );
  lines.push(...ratioTable(measured), ...targetsTable(measured), '');
  return lines.join('\n');
}
